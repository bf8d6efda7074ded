import { Duration, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  HttpApi,
  type HttpMethod,
  HttpNoneAuthorizer,
  HttpRoute,
  HttpRouteKey,
  HttpStage,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaAuthorizer, HttpLambdaResponseType } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { StageConfig } from '../config.ts';
import { LogsKey } from './logs-key.ts';

export interface PartnerApiProps {
  readonly config: StageConfig;
  readonly authorizerFunction: IFunction;
}

/**
 * The partners' HTTPS API. Every route sits behind the Lambda request authorizer unless it is
 * added as public. The authorizer's answers are not cached: a cached answer is kept per
 * Authorization header for its whole TTL, so a disabled key, or an old key whose rotation overlap
 * ended, would keep passing until it expired, and API Gateway has no way to flush it. Each request
 * costs one key lookup instead (one or two queries of the partners table's key-hash indexes).
 */
const authorizerCacheTtl = Duration.seconds(0);

/**
 * One JSON line per request: which partner (as the authorizer recognised it), which route, the
 * answer's status and the latencies, and the request id to find the functions' log lines. Route
 * keys are templates (`GET /v1/referrals/{id}`); no path, query, body, header, source address or
 * user agent is logged.
 */
export const accessLogFields = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTimeEpoch',
  partnerId: '$context.authorizer.partnerId',
  routeKey: '$context.routeKey',
  status: '$context.status',
  responseLatencyMs: '$context.responseLatency',
  integrationLatencyMs: '$context.integrationLatency',
  integrationStatus: '$context.integrationStatus',
  responseLength: '$context.responseLength',
} as const;
export class PartnerApi extends Construct {
  readonly httpApi: HttpApi;
  readonly stage: HttpStage;
  readonly accessLogs: LogGroup;

  constructor(scope: Construct, id: string, props: PartnerApiProps) {
    super(scope, id);
    const authorizer = new HttpLambdaAuthorizer('PartnerKeyAuthorizer', props.authorizerFunction, {
      responseTypes: [HttpLambdaResponseType.SIMPLE],
      identitySource: ['$request.header.Authorization'],
      resultsCacheTtl: authorizerCacheTtl,
    });
    this.httpApi = new HttpApi(this, 'HttpApi', {
      description: `Partner API (${props.config.stage})`,
      createDefaultStage: false,
      defaultAuthorizer: authorizer,
    });
    this.accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: RetentionDays.ONE_MONTH,
      encryptionKey: LogsKey.of(this, props.config),
    });
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: props.config.apiThrottle,
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(accessLogFields)),
      },
    });
  }

  get url(): string {
    return this.stage.url;
  }

  addRoute(method: HttpMethod, path: string, handler: IFunction, options: { public?: boolean } = {}): void {
    const name = `${method}${path}`.replace(/[^A-Za-z0-9]/g, '');
    const routes = this.httpApi.addRoutes({
      path,
      methods: [method],
      integration: new HttpLambdaIntegration(`${name}Integration`, handler),
      ...(options.public ? { authorizer: new HttpNoneAuthorizer() } : {}),
    });
    if (options.public) {
      for (const route of routes) {
        Validations.of(route).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason: 'Public by design (health, OpenAPI document): serves no partner data.',
        });
      }
    }
  }

  /**
   * The `$default` route: API Gateway sends it every request no route matches, instead of answering
   * its own `{"message":"Not Found"}`. It takes no partner key, so that an unknown path or method is
   * answered with a problem document whoever asks, not with the authorizer's bare 401.
   */
  addUnmatchedRoute(handler: IFunction): void {
    const route = new HttpRoute(this, 'UnmatchedRoute', {
      httpApi: this.httpApi,
      routeKey: HttpRouteKey.DEFAULT,
      integration: new HttpLambdaIntegration('UnmatchedRouteIntegration', handler),
      authorizer: new HttpNoneAuthorizer(),
    });
    Validations.of(route).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason: 'Answers only 404 or 405 problem documents computed from the route table; it reads no data.',
    });
  }
}
