// Validates custom resources of the operators the platform uses offline (Strimzi's kafka.strimzi.io,
// the Prometheus Operator's monitoring.coreos.com), in two passes:
//   1. against the openAPIV3Schema of their CRDs (types, required fields, enums, bounds),
//      compiled by @kubernetes-models/strimzi-kafka-operator and /prometheus-operator;
//   2. for unknown fields, which CRD schemas do not reject by themselves but
//      `kubectl apply` (strict field validation) does: the resources are type-checked as
//      object literals against the TypeScript interfaces generated from the same CRDs.
//
//   node validate.mjs < resources.json     (a JSON array of resources)
// Prints one line per problem and exits 1 if there is any; exits 2 on a kind it does not know.
import { readFileSync, mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import * as strimziV1 from "@kubernetes-models/strimzi-kafka-operator/kafka.strimzi.io/v1";
import * as monitoringV1 from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1";

const here = dirname(fileURLToPath(import.meta.url));
// apiVersion -> [the npm package with its models, the models]
const models = {
  "kafka.strimzi.io/v1": ["@kubernetes-models/strimzi-kafka-operator", strimziV1],
  "monitoring.coreos.com/v1": ["@kubernetes-models/prometheus-operator", monitoringV1],
};
const resources = JSON.parse(readFileSync(0, "utf8"));
const problems = [];
const typed = [];

resources.forEach((resource, index) => {
  const name = `${resource.kind}/${resource.metadata?.name ?? "?"}`;
  const [pkg, group] = models[resource.apiVersion] ?? [];
  const Model = group?.[resource.kind];
  if (!Model) {
    console.error(`${name}: no operator schema for ${resource.apiVersion} ${resource.kind}`);
    process.exit(2);
  }
  try {
    new Model(resource).validate();
  } catch (error) {
    problems.push(`${name}: ${error.message}`);
  }
  const module = `${pkg}/${resource.apiVersion}/${resource.kind}`;
  typed.push({ index, name, module, kind: resource.kind, resource });
});

// Pass 2: excess-property checks of TypeScript on object literals, nested ones included.
const lines = [];
typed.forEach(({ index, module, kind }) => lines.push(`import type { I${kind} as T${index} } from "${module}";`));
const lineOf = new Map();
typed.forEach(({ index, name, resource }) => {
  lineOf.set(lines.length, name);
  lines.push(`export const r${index}: T${index} = ${JSON.stringify(resource)};`);
});
const dir = mkdtempSync(join(here, ".check-"));
try {
  const file = join(dir, "resources.ts");
  writeFileSync(file, lines.join("\n") + "\n");
  const program = ts.createProgram([file], {
    noEmit: true,
    strict: true,
    skipLibCheck: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    types: [],
  });
  for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, " ");
    let where = "?";
    if (diagnostic.file && diagnostic.start !== undefined) {
      const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
      where = lineOf.get(line) ?? `line ${line + 1}`;
    }
    problems.push(`${where}: ${message.slice(0, 300)}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

for (const problem of problems) console.log(problem);
console.error(`checked ${resources.length} operator resources: ${problems.length} problem(s)`);
process.exit(problems.length ? 1 : 0);
