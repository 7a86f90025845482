// Offline validation of Tracebridge's Kubernetes manifests (no cluster, no kubectl needed).
//
//   node k8s/validate/validate.mjs        (after `npm ci` in k8s/validate; scripts/test.sh does both)
//
// 1. Renders the kustomizations k8s/base, k8s/overlays/dev and k8s/overlays/prod with the subset of
//    kustomize they use (resources, namespace, labels, images, patches as strategic merge). A
//    kustomization field outside that subset fails the run instead of being ignored. Where kubectl
//    is installed, its `kubectl kustomize` output must equal ours.
// 2. Validates every object of the renderings and of k8s/examples against the Kubernetes schemas
//    (kubernetes-models: required fields, types, formats, enums).
// 3. Rejects unknown fields (a typo such as `readinesProbe` passes step 2), walking each object
//    along the API's field lists (the OpenAPI-generated models of @kubernetes/client-node).
// 4. Checks references inside each rendering: selectors match pod labels, named ports and
//    volumes exist, ConfigMaps/Secrets/keys referenced exist, the HPA targets a workload.
// 5. Proves steps 2 and 3 can fail, on manipulated copies.
// Writes the renderings to target/k8s/<name>.yaml. Exits 1 on any finding.
import fs from "node:fs";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import YAML from "yaml";

const here = path.dirname(new URL(import.meta.url).pathname);
const k8sDir = path.resolve(here, "..");
const repo = path.resolve(k8sDir, "..");
const require = createRequire(import.meta.url);
const findings = [];
const fail = (where, msg) => findings.push(`${where}: ${msg}`);

// ---------------------------------------------------------------- rendering (kustomize subset)

const KUSTOMIZATION_FIELDS = new Set(["apiVersion", "kind", "namespace", "resources", "labels", "images", "patches"]);
const CLUSTER_SCOPED = new Set(["Namespace", "ClusterRole", "ClusterRoleBinding", "PersistentVolume", "StorageClass",
  "CustomResourceDefinition", "PriorityClass", "IngressClass"]);
const POD_TEMPLATE_KINDS = new Set(["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"]);

function loadDocs(file) {
  return YAML.parseAllDocuments(fs.readFileSync(file, "utf8")).map((d, i) => {
    if (d.errors.length) throw new Error(`${file} document ${i + 1}: ${d.errors[0].message}`);
    return d.toJS();
  }).filter((o) => o != null);
}

function render(dir) {
  const file = path.join(dir, "kustomization.yaml");
  const k = YAML.parse(fs.readFileSync(file, "utf8"));
  for (const key of Object.keys(k)) {
    if (!KUSTOMIZATION_FIELDS.has(key)) throw new Error(`${rel(file)}: field '${key}' is not supported by this renderer`);
  }
  let objects = [];
  for (const r of k.resources ?? []) {
    const p = path.join(dir, r);
    objects.push(...(fs.statSync(p).isDirectory() ? render(p) : loadDocs(p)));
  }
  for (const patch of k.patches ?? []) {
    const extra = Object.keys(patch).filter((x) => x !== "path");
    if (extra.length) throw new Error(`${rel(file)}: patch field(s) ${extra} not supported (use path:)`);
    for (const doc of loadDocs(path.join(dir, patch.path))) {
      const targets = objects.filter((o) => o.kind === doc.kind && o.metadata?.name === doc.metadata?.name
        && group(o.apiVersion) === group(doc.apiVersion));
      if (targets.length !== 1) throw new Error(`${rel(file)}: patch ${doc.kind}/${doc.metadata?.name} matches ${targets.length} objects`);
      strategicMerge(targets[0], doc, "");
    }
  }
  for (const l of k.labels ?? []) {
    if (l.includeSelectors) throw new Error(`${rel(file)}: labels.includeSelectors is not supported`);
    for (const o of objects) {
      o.metadata.labels = { ...(o.metadata.labels ?? {}), ...l.pairs };
      if (l.includeTemplates && POD_TEMPLATE_KINDS.has(o.kind)) {
        const t = o.spec.template.metadata ??= {};
        t.labels = { ...(t.labels ?? {}), ...l.pairs };
      }
    }
  }
  for (const img of k.images ?? []) {
    for (const o of objects) {
      for (const c of containersOf(o)) {
        const { name, tag } = splitImage(c.image);
        if (name !== img.name) continue;
        c.image = (img.newName ?? name) + (img.digest ? "@" + img.digest : ":" + (img.newTag ?? tag ?? "latest"));
      }
    }
  }
  if (k.namespace) {
    for (const o of objects) if (!CLUSTER_SCOPED.has(o.kind)) o.metadata.namespace = k.namespace;
  }
  return objects;
}

const MERGE_KEYS = { containers: "name", initContainers: "name", env: "name", volumes: "name", volumeMounts: "name",
  imagePullSecrets: "name", volumeClaimTemplates: "metadata.name" };

function strategicMerge(target, patch, at) {
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) {
      delete target[key];
    } else if (isMap(value) && isMap(target[key])) {
      strategicMerge(target[key], value, `${at}.${key}`);
    } else if (Array.isArray(value) && Array.isArray(target[key]) && MERGE_KEYS[key]) {
      const mk = (e) => MERGE_KEYS[key].split(".").reduce((x, p) => x?.[p], e);
      const added = [];
      for (const item of value) {
        const existing = target[key].find((e) => mk(e) === mk(item));
        if (existing) strategicMerge(existing, item, `${at}.${key}[${mk(item)}]`);
        else added.push(structuredClone(item));
      }
      // As kustomize does: elements only the patch has come first.
      target[key] = [...added, ...target[key]];
    } else if (Array.isArray(value) && key === "ports") {
      throw new Error(`patching ${at}.ports is not supported by this renderer`);
    } else {
      target[key] = structuredClone(value);
    }
  }
}

// ---------------------------------------------------------------- helpers

const isMap = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
const rel = (p) => path.relative(repo, p);
const group = (apiVersion) => (apiVersion.includes("/") ? apiVersion.split("/")[0] : "");
const version = (apiVersion) => apiVersion.split("/").pop();
const id = (o) => `${o.kind}/${o.metadata?.namespace ? o.metadata.namespace + "/" : ""}${o.metadata?.name}`;

function splitImage(image) {
  const at = image.indexOf("@");
  if (at >= 0) return { name: image.slice(0, at), tag: null };
  const colon = image.lastIndexOf(":");
  return colon > image.lastIndexOf("/") ? { name: image.slice(0, colon), tag: image.slice(colon + 1) } : { name: image, tag: null };
}

function podSpecOf(o) {
  if (POD_TEMPLATE_KINDS.has(o.kind)) return o.spec?.template?.spec;
  if (o.kind === "CronJob") return o.spec?.jobTemplate?.spec?.template?.spec;
  if (o.kind === "Pod") return o.spec;
  return undefined;
}

function containersOf(o) {
  const s = podSpecOf(o);
  return s ? [...(s.initContainers ?? []), ...(s.containers ?? [])] : [];
}

function selects(selector, labels) {
  const want = selector?.matchLabels ?? selector ?? {};
  return Object.keys(want).length > 0 && Object.entries(want).every(([k, v]) => labels?.[k] === v);
}

// ---------------------------------------------------------------- schema validation

async function validateSchema(o, where) {
  if (!o.apiVersion || !o.kind) {
    fail(where, "object without apiVersion/kind");
    return;
  }
  const g = group(o.apiVersion);
  const spec = `kubernetes-models/${g ? g + "/" : ""}${version(o.apiVersion)}/${o.kind}`;
  let Model;
  try {
    Model = (await import(spec))[o.kind];
  } catch {
    fail(where, `${o.apiVersion} ${o.kind} is not a known Kubernetes type`);
    return;
  }
  try {
    new Model(structuredClone(o)).validate();
  } catch (e) {
    fail(where, e.message);
  }
}

const modelCache = new Map();

function model(typeName) {
  if (!modelCache.has(typeName)) {
    let m = null;
    try {
      m = require(`@kubernetes/client-node/dist/gen/models/${typeName}.js`)[typeName];
    } catch {
      m = null; // a leaf type such as IntOrString
    }
    modelCache.set(typeName, m);
  }
  return modelCache.get(typeName);
}

function unknownFields(value, type, at, out) {
  if (value === null || value === undefined) return;
  let m;
  if ((m = /^Array<(.+)>$/.exec(type))) {
    if (Array.isArray(value)) value.forEach((v, i) => unknownFields(v, m[1], `${at}[${i}]`, out));
    return;
  }
  if ((m = /^\{ \[key: string\]: (.+?);? \}$/.exec(type))) {
    if (isMap(value)) for (const [k, v] of Object.entries(value)) unknownFields(v, m[1], `${at}.${k}`, out);
    return;
  }
  const cls = /^V\d/.test(type) ? model(type) : null;
  if (!cls || !isMap(value)) return;
  const fields = new Map(cls.getAttributeTypeMap().map((a) => [a.baseName, a.type]));
  for (const [k, v] of Object.entries(value)) {
    if (!fields.has(k)) out.push(`unknown field ${at ? at + "." : ""}${k}`);
    else unknownFields(v, fields.get(k), `${at ? at + "." : ""}${k}`, out);
  }
}

function checkUnknownFields(o, where) {
  const typeName = version(o.apiVersion).replace(/^v/, "V") + o.kind;
  if (!model(typeName)) {
    fail(where, `no field list for ${o.apiVersion} ${o.kind}`);
    return;
  }
  const out = [];
  unknownFields(o, typeName, "", out);
  out.forEach((m) => fail(where, m));
}

// ---------------------------------------------------------------- references inside a rendering

function checkReferences(objects, name, external) {
  const where = (o) => `${name} ${id(o)}`;
  const find = (kind, n, ns) => objects.find((x) => x.kind === kind && x.metadata.name === n
    && (x.metadata.namespace ?? "") === (ns ?? ""));
  const workloads = objects.filter((o) => podSpecOf(o));
  const keysOf = (o) => new Set([...Object.keys(o.data ?? {}), ...Object.keys(o.stringData ?? {})]);
  for (const w of workloads) {
    const pod = podSpecOf(w);
    const labels = w.spec.template?.metadata?.labels ?? {};
    if (w.spec.selector && !selects(w.spec.selector, labels)) fail(where(w), "selector does not match the pod template's labels");
    const ports = new Set(containersOf(w).flatMap((c) => (c.ports ?? []).map((p) => p.name)).filter(Boolean));
    const volumes = new Set([...(pod.volumes ?? []).map((v) => v.name), ...(w.spec.volumeClaimTemplates ?? []).map((v) => v.metadata.name)]);
    const ns = w.metadata.namespace;
    const secretKeys = (n) => (find("Secret", n, ns) ? keysOf(find("Secret", n, ns)) : external.secrets?.[n]);
    for (const c of containersOf(w)) {
      for (const probe of ["startupProbe", "livenessProbe", "readinessProbe"]) {
        const p = c[probe]?.httpGet?.port ?? c[probe]?.tcpSocket?.port;
        if (typeof p === "string" && !ports.has(p)) fail(where(w), `${c.name}.${probe} uses unknown port '${p}'`);
      }
      for (const vm of c.volumeMounts ?? []) if (!volumes.has(vm.name)) fail(where(w), `${c.name} mounts unknown volume '${vm.name}'`);
      for (const ef of c.envFrom ?? []) {
        if (ef.configMapRef && !find("ConfigMap", ef.configMapRef.name, ns)) fail(where(w), `envFrom ConfigMap '${ef.configMapRef.name}' missing`);
        if (ef.secretRef && !secretKeys(ef.secretRef.name)) fail(where(w), `envFrom Secret '${ef.secretRef.name}' missing`);
      }
      for (const e of c.env ?? []) {
        const cm = e.valueFrom?.configMapKeyRef;
        if (cm) {
          const o = find("ConfigMap", cm.name, ns);
          if (!o || !keysOf(o).has(cm.key)) fail(where(w), `env ${e.name}: ConfigMap key ${cm.name}/${cm.key} missing`);
        }
        const s = e.valueFrom?.secretKeyRef;
        if (s && !(secretKeys(s.name)?.has(s.key))) fail(where(w), `env ${e.name}: Secret key ${s.name}/${s.key} missing`);
      }
    }
    for (const v of pod.volumes ?? []) {
      if (v.configMap && !find("ConfigMap", v.configMap.name, ns)) fail(where(w), `volume ${v.name}: ConfigMap '${v.configMap.name}' missing`);
    }
  }
  const podsSelectedBy = (sel, ns) => workloads.filter((w) => w.metadata.namespace === ns
    && selects(sel, w.spec.template?.metadata?.labels ?? {}));
  for (const o of objects) {
    const ns = o.metadata.namespace;
    if (o.kind === "Service" && o.spec.selector) {
      const pods = podsSelectedBy(o.spec.selector, ns);
      if (!pods.length) fail(where(o), "selector matches no pod template");
      const named = new Set(pods.flatMap((w) => containersOf(w).flatMap((c) => (c.ports ?? []).map((p) => p.name))));
      for (const p of o.spec.ports ?? []) {
        if (typeof p.targetPort === "string" && !named.has(p.targetPort)) fail(where(o), `targetPort '${p.targetPort}' is no container port`);
      }
    }
    if (o.kind === "HorizontalPodAutoscaler") {
      const t = o.spec.scaleTargetRef;
      if (!find(t.kind, t.name, ns)) fail(where(o), `scaleTargetRef ${t.kind}/${t.name} missing`);
      if (o.spec.minReplicas > o.spec.maxReplicas) fail(where(o), "minReplicas > maxReplicas");
    }
    if (o.kind === "PodDisruptionBudget" || o.kind === "NetworkPolicy") {
      const sel = o.kind === "PodDisruptionBudget" ? o.spec.selector : o.spec.podSelector;
      const pods = podsSelectedBy(sel, ns);
      if (!pods.length) fail(where(o), "selector matches no pod template");
      if (o.kind === "NetworkPolicy") {
        const named = new Set(pods.flatMap((w) => containersOf(w).flatMap((c) => (c.ports ?? []).map((p) => p.name))));
        for (const rule of o.spec.ingress ?? []) {
          for (const p of rule.ports ?? []) if (typeof p.port === "string" && !named.has(p.port)) fail(where(o), `ingress port '${p.port}' is no container port`);
        }
      }
    }
    if (o.kind === "PodDisruptionBudget" && o.spec.minAvailable !== undefined && o.spec.maxUnavailable !== undefined) {
      fail(where(o), "minAvailable and maxUnavailable are mutually exclusive");
    }
  }
}

// ---------------------------------------------------------------- kubectl cross-check

function kubectlRender(dir) {
  try {
    execFileSync("kubectl", ["version", "--client"], { stdio: "ignore" });
  } catch {
    return null;
  }
  return YAML.parseAllDocuments(execFileSync("kubectl", ["kustomize", dir], { encoding: "utf8" })).map((d) => d.toJS());
}

function canonical(objects) {
  return JSON.stringify([...objects].map(sortKeys).sort((a, b) => id(a).localeCompare(id(b))));
}

function sortKeys(v) {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (isMap(v)) return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys(v[k])]));
  return v;
}

// ---------------------------------------------------------------- self-test: the checks can fail

const sample = {
  apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "sample" },
  spec: {
    selector: { matchLabels: { app: "sample" } },
    template: {
      metadata: { labels: { app: "sample" } },
      spec: { containers: [{ name: "c", image: "sample:1", ports: [{ name: "http", containerPort: 8080 }],
        readinessProbe: { httpGet: { path: "/ready", port: "http" } } }] },
    },
  },
};
async function selfTest(label, mutate, check) {
  const o = structuredClone(sample);
  mutate(o);
  const before = findings.length;
  await check(o);
  if (findings.length === before) {
    console.error(`self-test failed: ${label} was not reported`);
    process.exit(2);
  }
  findings.splice(before);
}
await selfTest("a misspelt field", (o) => { o.spec.template.spec.containers[0].readinesProbe = {}; }, (o) => checkUnknownFields(o, "self-test"));
await selfTest("a wrongly typed field", (o) => { o.spec.replicas = "two"; }, (o) => validateSchema(o, "self-test"));
await selfTest("a dangling port name", (o) => { o.spec.template.spec.containers[0].readinessProbe.httpGet.port = "htp"; },
  (o) => checkReferences([o], "self-test", {}));
{
  const ok = structuredClone(sample);
  const before = findings.length;
  checkUnknownFields(ok, "self-test");
  await validateSchema(ok, "self-test");
  checkReferences([ok], "self-test", {});
  if (findings.length !== before) {
    console.error(`self-test failed: a valid Deployment was reported: ${findings.slice(before)}`);
    process.exit(2);
  }
}

// ---------------------------------------------------------------- main

const renderings = {
  base: { dir: path.join(k8sDir, "base"), external: { secrets: { "tracebridge-db": new Set(["host", "port", "database", "username", "password"]) } } },
  dev: { dir: path.join(k8sDir, "overlays/dev"), external: {} },
  prod: { dir: path.join(k8sDir, "overlays/prod"), external: {} },
};
// The prod overlay expects the Secrets that k8s/overlays/prod/secret.example.yaml describes.
renderings.prod.external.secrets = Object.fromEntries(loadDocs(path.join(k8sDir, "overlays/prod/secret.example.yaml"))
  .map((s) => [s.metadata.name, new Set(Object.keys(s.stringData))]));

const outDir = path.join(repo, "target/k8s");
fs.mkdirSync(outDir, { recursive: true });
let count = 0;
for (const [name, r] of Object.entries(renderings)) {
  let objects;
  try {
    objects = render(r.dir);
  } catch (e) {
    fail(name, e.message);
    continue;
  }
  fs.writeFileSync(path.join(outDir, `${name}.yaml`), objects.map((o) => YAML.stringify(o)).join("---\n"));
  const theirs = kubectlRender(r.dir);
  if (theirs === null) console.log(`${name}: kubectl not installed, rendering not cross-checked`);
  else if (canonical(theirs) !== canonical(objects)) fail(name, "rendering differs from `kubectl kustomize` (compare target/k8s)");
  else console.log(`${name}: rendering equals kubectl kustomize`);
  for (const o of objects) {
    await validateSchema(o, `${name} ${id(o)}`);
    checkUnknownFields(o, `${name} ${id(o)}`);
  }
  checkReferences(objects, name, r.external);
  count += objects.length;
}
for (const file of fs.readdirSync(path.join(k8sDir, "examples")).filter((f) => f.endsWith(".yaml"))) {
  const objects = loadDocs(path.join(k8sDir, "examples", file));
  for (const o of objects) {
    await validateSchema(o, `examples/${file} ${id(o)}`);
    checkUnknownFields(o, `examples/${file} ${id(o)}`);
    if (o.kind === "ConfigMap") for (const [k, v] of Object.entries(o.data ?? {})) {
      if (k.endsWith(".yaml")) try { YAML.parse(v); } catch (e) { fail(`examples/${file}`, `${k} is not YAML: ${e.message}`); }
    }
  }
  checkReferences(objects, `examples/${file}`, {});
  count += objects.length;
}

if (findings.length) {
  console.error(`${findings.length} problem(s):\n  ` + findings.join("\n  "));
  process.exit(1);
}
console.log(`k8s manifests valid: ${count} objects in base, dev, prod and examples (renderings in target/k8s)`);
