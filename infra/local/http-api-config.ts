import { splitPath } from './http-api-routes.ts';
import { resourcesOfType } from './resource-types.ts';
import { type CfnResource, type CfnTemplate, type ResourceContext, resolveIntrinsics } from './template.ts';

export interface AuthorizerConfig {
  logicalId: string;
  functionId: string;
  identitySources: string[];
  ttlSeconds: number;
}

export interface RouteConfig {
  logicalId: string;
  routeKey: string;
  /** Upper-case method, or ANY; undefined for `$default`. */
  method?: string;
  /** Path segments; `{name}` captures one, `{name+}` the rest. */
  segments?: string[];
  functionId: string;
  timeoutMs: number;
  authorizer?: AuthorizerConfig;
}

export interface HttpApiConfig {
  logicalId: string;
  apiId: string;
  stageName: string;
  routes: RouteConfig[];
}

const MaxIntegrationTimeoutMs = 30_000;

const ApiProperties = { used: ['ProtocolType', 'Name'], ignored: ['Description', 'DisableExecuteApiEndpoint', 'Tags', 'Version'] };
const StageProperties = {
  used: ['ApiId', 'StageName'],
  ignored: ['AccessLogSettings', 'AutoDeploy', 'DefaultRouteSettings', 'Description', 'RouteSettings', 'Tags', 'DeploymentId'],
};
const RouteProperties = {
  used: ['ApiId', 'AuthorizationType', 'AuthorizerId', 'RouteKey', 'Target'],
  ignored: ['ApiKeyRequired', 'OperationName'],
};
const IntegrationProperties = {
  used: ['ApiId', 'IntegrationType', 'IntegrationUri', 'PayloadFormatVersion', 'TimeoutInMillis'],
  ignored: ['ConnectionType', 'Description', 'IntegrationMethod', 'CredentialsArn'],
};
const AuthorizerProperties = {
  used: [
    'ApiId',
    'AuthorizerPayloadFormatVersion',
    'AuthorizerResultTtlInSeconds',
    'AuthorizerType',
    'AuthorizerUri',
    'EnableSimpleResponses',
    'IdentitySource',
  ],
  ignored: ['Name', 'AuthorizerCredentialsArn'],
};

/**
 * The HTTP API of the template: its stage, routes, Lambda proxy integrations and Lambda request
 * authorizers, read with the rules API Gateway applies. Anything else it could hold (JWT or IAM
 * authorization, parameter mapping, payload format 1.0, CORS, WebSocket APIs) stops start-up.
 */
export function readHttpApi(
  template: CfnTemplate,
  ctx: ResourceContext,
  findFunction: (reference: string) => string | undefined
): HttpApiConfig | undefined {
  const [first, second] = resourcesOfType(template, 'AWS::ApiGatewayV2::Api');
  if (first === undefined) return undefined;
  if (second !== undefined) throw new Error(`Resources.${second[0]}: only one HTTP API per template is supported locally`);
  const [apiLogicalId, api] = first;
  const apiProps = properties(apiLogicalId, api, ApiProperties, ctx);
  if (apiProps.ProtocolType !== 'HTTP') {
    throw new Error(`Resources.${apiLogicalId}: ProtocolType ${String(apiProps.ProtocolType)} is not supported locally`);
  }
  const apiId = refOf(apiLogicalId, ctx);
  // With one API per template, every stage, route, integration and authorizer is this API's.
  const ofThisApi = (type: string) => resourcesOfType(template, type);

  const [stage, otherStage] = ofThisApi('AWS::ApiGatewayV2::Stage');
  if (stage === undefined) throw new Error(`Resources.${apiLogicalId}: the HTTP API has no stage, so no route of it is reachable`);
  if (otherStage !== undefined) throw new Error(`Resources.${otherStage[0]}: only one stage per HTTP API is supported locally`);
  const [stageId, stageResource] = stage;
  const stageName = String(properties(stageId, stageResource, StageProperties, ctx).StageName);

  const authorizers = new Map(
    ofThisApi('AWS::ApiGatewayV2::Authorizer').map(([logicalId, resource]) => [
      refOf(logicalId, ctx),
      readAuthorizer(logicalId, properties(logicalId, resource, AuthorizerProperties, ctx), findFunction),
    ])
  );
  const integrations = new Map(
    ofThisApi('AWS::ApiGatewayV2::Integration').map(([logicalId, resource]) => [
      refOf(logicalId, ctx),
      readIntegration(logicalId, properties(logicalId, resource, IntegrationProperties, ctx), findFunction),
    ])
  );
  const routes = ofThisApi('AWS::ApiGatewayV2::Route').map(([logicalId, resource]) =>
    readRoute(logicalId, properties(logicalId, resource, RouteProperties, ctx), integrations, authorizers)
  );
  return { logicalId: apiLogicalId, apiId, stageName, routes };
}

/** local-stack.ts gives every API Gateway resource a local id (apiReferences) before the API is read. */
function refOf(logicalId: string, ctx: ResourceContext): string {
  const resolved = ctx[logicalId];
  if (resolved === undefined) throw new Error(`Resources.${logicalId}: not resolved locally`);
  return resolved.ref;
}

function properties(
  logicalId: string,
  resource: CfnResource,
  rule: { used: string[]; ignored: string[] },
  ctx: ResourceContext
): Record<string, unknown> {
  const raw = resource.Properties ?? {};
  for (const name of Object.keys(raw)) {
    if (!rule.used.includes(name) && !rule.ignored.includes(name)) {
      throw new Error(`Resources.${logicalId}: unsupported ${resource.Type} property ${name}`);
    }
  }
  const used = Object.fromEntries(Object.entries(raw).filter(([name]) => rule.used.includes(name)));
  return resolveIntrinsics(used, ctx, { path: `Resources.${logicalId}.Properties` }) as Record<string, unknown>;
}

/** The function in an integration or authorizer URI: its ARN, or API Gateway's invocation path around it. */
function functionOf(logicalId: string, uri: unknown, findFunction: (reference: string) => string | undefined): string {
  const text = String(uri ?? '');
  const arn = /functions\/(arn:[^/]+)\/invocations$/.exec(text)?.[1] ?? text;
  const functionId = findFunction(arn);
  if (functionId === undefined) throw new Error(`Resources.${logicalId}: ${text} is not a function of the template`);
  return functionId;
}

function readAuthorizer(
  logicalId: string,
  props: Record<string, unknown>,
  findFunction: (reference: string) => string | undefined
): AuthorizerConfig {
  const at = `Resources.${logicalId}`;
  if (props.AuthorizerType !== 'REQUEST') throw new Error(`${at}: ${String(props.AuthorizerType)} authorizers are not supported locally`);
  if (props.AuthorizerPayloadFormatVersion !== '2.0')
    throw new Error(`${at}: authorizer payload format ${String(props.AuthorizerPayloadFormatVersion)} is not supported locally`);
  if (props.EnableSimpleResponses !== true && props.EnableSimpleResponses !== 'true') {
    throw new Error(`${at}: only simple authorizer responses (EnableSimpleResponses) are supported locally`);
  }
  const identitySources = (props.IdentitySource ?? []) as string[];
  for (const source of identitySources) {
    if (!/^\$(request\.header|request\.querystring|context|stageVariables)\.[^.]+$/.test(source)) {
      throw new Error(`${at}: identity source ${source} is not supported locally`);
    }
  }
  return {
    logicalId,
    functionId: functionOf(logicalId, props.AuthorizerUri, findFunction),
    identitySources,
    ttlSeconds: Number(props.AuthorizerResultTtlInSeconds ?? 0),
  };
}

function readIntegration(
  logicalId: string,
  props: Record<string, unknown>,
  findFunction: (reference: string) => string | undefined
): { functionId: string; timeoutMs: number } {
  const at = `Resources.${logicalId}`;
  if (props.IntegrationType !== 'AWS_PROXY')
    throw new Error(`${at}: integration type ${String(props.IntegrationType)} is not supported locally`);
  if (props.PayloadFormatVersion !== '2.0')
    throw new Error(`${at}: payload format ${String(props.PayloadFormatVersion)} is not supported locally`);
  return {
    functionId: functionOf(logicalId, props.IntegrationUri, findFunction),
    timeoutMs: Math.min(Number(props.TimeoutInMillis ?? MaxIntegrationTimeoutMs), MaxIntegrationTimeoutMs),
  };
}

function readRoute(
  logicalId: string,
  props: Record<string, unknown>,
  integrations: Map<string, { functionId: string; timeoutMs: number }>,
  authorizers: Map<string, AuthorizerConfig>
): RouteConfig {
  const at = `Resources.${logicalId}`;
  const routeKey = String(props.RouteKey);
  const target = /^integrations\/(.+)$/.exec(String(props.Target ?? ''))?.[1];
  const integration = target === undefined ? undefined : integrations.get(target);
  if (integration === undefined) throw new Error(`${at}: route ${routeKey} has no integration of the template`);
  const authorizationType = String(props.AuthorizationType ?? 'NONE');
  let authorizer: AuthorizerConfig | undefined;
  if (authorizationType === 'CUSTOM') {
    authorizer = authorizers.get(String(props.AuthorizerId));
    if (authorizer === undefined) throw new Error(`${at}: route ${routeKey} names an authorizer the template does not have`);
  } else if (authorizationType !== 'NONE') {
    throw new Error(`${at}: ${authorizationType} authorization is not supported locally`);
  }
  const base = { logicalId, routeKey, ...integration, ...(authorizer === undefined ? {} : { authorizer }) };
  if (routeKey === '$default') return base;
  const [, method, path] = /^(\S+) (\/\S*)$/.exec(routeKey) ?? [];
  if (method === undefined || path === undefined) throw new Error(`${at}: route key ${routeKey} is not METHOD /path`);
  return { ...base, method: method.toUpperCase(), segments: splitPath(path) };
}
