/**
 * Checks the Kubernetes manifests in deploy/kubernetes without a cluster:
 * every document parses, has apiVersion/kind/metadata.name, workloads have a
 * selector matching their pod labels and containers with an image, and the
 * controller's arguments are ones `controller serve` accepts.
 *
 *   deno run -A scripts/check_manifests.ts
 */
import { parseAllDocuments } from "yaml";

const dir = new URL("../deploy/kubernetes/", import.meta.url);
const serveFlags = new Set([
  "--data-dir",
  "--store",
  "--replica-id",
  "--etcd-ca",
  "--etcd-cert",
  "--etcd-key",
  "--etcd-user",
  "--listen",
  "--tls-cert",
  "--tls-key",
  "--advertise",
  "--pairing-timeout",
  "--log-level",
  "--log-json",
]);
const problems: string[] = [];
let documents = 0;

// deno-lint-ignore no-explicit-any
type Doc = Record<string, any>;

for await (const entry of Deno.readDir(dir)) {
  if (!entry.name.endsWith(".yaml")) continue;
  const text = await Deno.readTextFile(new URL(entry.name, dir));
  for (const [i, parsed] of parseAllDocuments(text).entries()) {
    const where = `${entry.name} document ${i + 1}`;
    if (parsed.errors.length > 0) {
      problems.push(`${where}: ${parsed.errors[0].message.split("\n")[0]}`);
      continue;
    }
    const doc = parsed.toJS() as Doc;
    documents++;
    for (const field of ["apiVersion", "kind"]) {
      if (typeof doc?.[field] !== "string") problems.push(`${where}: no ${field}`);
    }
    if (typeof doc?.metadata?.name !== "string") problems.push(`${where}: no metadata.name`);
    if (doc.kind === "StatefulSet" || doc.kind === "Deployment") {
      const selector = doc.spec?.selector?.matchLabels ?? {};
      const labels = doc.spec?.template?.metadata?.labels ?? {};
      for (const [k, v] of Object.entries(selector)) {
        if (labels[k] !== v) {
          problems.push(`${where}: selector ${k}=${v} does not match the pod labels`);
        }
      }
      const containers = doc.spec?.template?.spec?.containers ?? [];
      if (containers.length === 0) problems.push(`${where}: no containers`);
      for (const c of containers) {
        if (!c.image) problems.push(`${where}: container ${c.name} has no image`);
        if (c.args?.[0] === "serve") {
          for (const arg of c.args.slice(1)) {
            const flag = String(arg).split("=")[0];
            if (!serveFlags.has(flag)) {
              problems.push(`${where}: "controller serve" has no flag ${flag}`);
            }
          }
        }
      }
    }
    if (doc.kind === "Service" && !doc.spec?.ports?.length) {
      problems.push(`${where}: Service without ports`);
    }
  }
}
if (documents === 0) problems.push("no manifests found in deploy/kubernetes");
if (problems.length > 0) {
  console.error(problems.map((p) => `manifest check: ${p}`).join("\n"));
  Deno.exit(1);
}
console.log(`manifest check: ${documents} documents OK`);
