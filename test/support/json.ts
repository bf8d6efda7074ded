/**
 * A parsed JSON document a test reads member by member: a response body, a queue message, a stored
 * item, a CloudFormation template, the OpenAPI document, a programme file. The assertions that read
 * it are its type check; typing each document again here would repeat the contracts under test.
 */
// biome-ignore lint/suspicious/noExplicitAny: the one place tests admit untyped JSON, for the reason above.
export type Json = any;
