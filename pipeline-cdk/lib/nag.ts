/**
 * Helpers for acknowledging cdk-nag findings one at a time: a finding names
 * the resource as cdk-nag prints it (`<Logical.Arn>`, `arn:<AWS::Partition>:…`),
 * so an acknowledgement must spell the same string, and any other wildcard
 * still fails the synth.
 *
 * @module
 */

import { Stack, Validations } from "aws-cdk-lib";
import type { IConstruct } from "constructs";

/**
 * How cdk-nag prints a CloudFormation value in a finding (its
 * `flattenCfnReference`: `Fn::Join` joined, `Ref` as `<Name>`, `Fn::GetAtt` as
 * `<Logical.Attribute>`).
 *
 * @param scope A construct in the stack where the value is used.
 * @param value A string, possibly holding tokens.
 * @returns The flattened string.
 */
export function nagReference(scope: IConstruct, value: string): string {
  const visit = (node: unknown): string => {
    if (node === undefined) return "";
    if (typeof node === "string") {
      return node.replace(/\$\{/g, "<").replace(/\}/g, ">");
    }
    const n = node as Record<string, unknown>;
    if (n["Fn::Join"]) {
      const [sep, items] = n["Fn::Join"] as [string, unknown[]];
      return items.map(visit).join(sep);
    }
    if (n["Fn::Sub"]) return visit(n["Fn::Sub"]);
    if (n["Fn::GetAtt"]) {
      const [res, attr] = n["Fn::GetAtt"] as [unknown, unknown];
      return `<${visit(res)}.${visit(attr)}>`;
    }
    if (n["Fn::ImportValue"]) return visit(n["Fn::ImportValue"]);
    if (n.Ref) return `<${visit(n.Ref)}>`;
    return JSON.stringify(node);
  };
  return visit(Stack.of(scope).resolve(value));
}

/**
 * Acknowledges each of the given AwsSolutions-IAM5 findings on a policy.
 *
 * @param policy The policy construct (e.g. a role's `DefaultPolicy`).
 * @param findings `Action::…` or `Resource::…` strings, each with its reason.
 */
export function acknowledgeWildcards(
  policy: IConstruct,
  findings: readonly { finding: string; reason: string }[],
): void {
  for (const { finding, reason } of findings) {
    Validations.of(policy).acknowledge({
      id: `AwsSolutions-IAM5[${finding}]`,
      reason,
    });
  }
}

/**
 * The findings of a KMS grant (`key.grantEncryptDecrypt`, as S3 and SNS grants
 * make it): action groups on one key.
 *
 * @param key What the key is, for the reason.
 * @returns The findings to acknowledge.
 */
export function kmsWildcards(
  key: string,
): { finding: string; reason: string }[] {
  return ["kms:GenerateDataKey*", "kms:ReEncrypt*"].map((action) => ({
    finding: `Action::${action}`,
    reason: `A KMS grant's action group, on ${key} only.`,
  }));
}
