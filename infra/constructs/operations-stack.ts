import { NestedStack, Stack } from 'aws-cdk-lib';
import { Construct, type IConstruct } from 'constructs';

/** The construct id of the nested stack in its parent, and so the first part of every alarm's path. */
const operationsStackId = 'Operations';

/**
 * The stage's CloudWatch alarms and its dashboard, in a nested stack of their own: with two alarms
 * per function, the alarms alone were about a quarter of the stack, which CloudFormation caps at
 * 500 resources (test/infra/resource-limits.test.ts keeps both stacks under 450). A nested stack
 * is one resource in its parent and has its own 500. Each token of the parent an alarm or the
 * dashboard reads (a function or queue name, the topic, the API id) becomes one parameter of the
 * nested stack, at most 200: the same token read twice is one parameter.
 *
 * There is one per stack, made on first use by `OperationsStack.of(scope)`.
 */
export class OperationsStack extends NestedStack {
  /** The operations stack of the stack `scope` is in (itself when `scope` is in it already). */
  static override of(scope: IConstruct): OperationsStack {
    const stack = Stack.of(scope);
    if (stack instanceof OperationsStack) return stack;
    const existing = stack.node.tryFindChild(operationsStackId);
    if (existing instanceof OperationsStack) return existing;
    return new OperationsStack(stack, operationsStackId);
  }

  /**
   * The construct that holds what watches `watched`: the same path in this stack as `watched` has in
   * the parent, so the alarm on `Lifecycle/OfferReferral` is `Operations/Lifecycle/OfferReferral/...`
   * and its logical id reads as it did in the parent.
   */
  scopeFor(watched: IConstruct): Construct {
    if (Stack.of(watched) === this) return watched as Construct;
    const parent = this.nestedStackParent;
    const ids = watched.node.scopes.slice(parent === undefined ? 1 : parent.node.scopes.length).map((scope) => scope.node.id);
    let scope: Construct = this;
    for (const id of ids) {
      const child = scope.node.tryFindChild(id);
      scope = child instanceof Construct ? child : new Construct(scope, id);
    }
    return scope;
  }
}
