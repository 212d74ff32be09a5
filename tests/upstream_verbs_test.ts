/**
 * Upstream's verbs against a real controller: create lease with id, tags
 * and context; get leases (-A under a policy); update lease --to-client;
 * delete leases --all. UpdateLease and the kept context are checked with
 * an independent gRPC stack too.
 */
import assert from "node:assert/strict";
import { Lab } from "./_fixtures/lab.ts";
import { grpcJsClientService } from "./_fixtures/grpc_js.ts";
import { runEntry } from "./_fixtures/run.ts";
import { eventually } from "../testing.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

Deno.test({
  name: "create/get/update/delete lease: ids, tags, context, transfer and -A",
  ...opts,
  async fn() {
    await using lab = await Lab.start();
    const alice = await lab.client("alice");
    const bob = await lab.client("bob");
    const cli = (config: string, ...args: string[]) =>
      runEntry("cli.ts", ["--client-config", config, ...args]);

    const created = await cli(
      alice,
      "create",
      "lease",
      "-l",
      "board=none",
      "-d",
      "1h",
      "--lease-id",
      "nightly-42",
      "--tag",
      "build=42",
      "--context",
      "sha=1f2e3d",
    );
    assert.equal(created.code, 0, created.stderr);
    assert.equal(created.stdout.trim(), "nightly-42");

    const got = await cli(alice, "get", "leases", "--tag-filter", "build=42", "-o", "json");
    assert.equal(got.code, 0, got.stderr);
    assert.deepEqual(JSON.parse(got.stdout).map((r: { name: string }) => r.name), ["nightly-42"]);
    assert.equal(
      (await cli(alice, "get", "leases", "--tag-filter", "build=7", "-o", "name")).stdout,
      "",
    );

    // The context comes back from the controller, beside the controller's own keys.
    const api = await grpcJsClientService(alice);
    try {
      const lease = await api.call<
        { context: Record<string, string>; tags: Record<string, string> }
      >(
        "GetLease",
        { name: `namespaces/${api.namespace}/leases/nightly-42` },
      );
      assert.equal(lease.context.sha, "1f2e3d");
      assert.equal(lease.tags.build, "42");
    } finally {
      api.close();
    }

    const bad = await cli(
      alice,
      "create",
      "lease",
      "-l",
      "board=none",
      "-d",
      "1h",
      "--tag",
      "oops",
    );
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /Invalid --tag "oops": use KEY=VALUE/);

    // Bob sees nothing of alice's, even with -A, until a policy lets him.
    assert.equal((await cli(bob, "get", "leases", "-A", "-o", "name")).stdout.trim(), "");
    const bobApi = await grpcJsClientService(bob);
    const bobLeases = async () =>
      (await bobApi.call<{ leases: { name: string }[] }>("ListLeases", {
        parent: `namespaces/${bobApi.namespace}`,
      })).leases.map((l) => l.name.replace(/^.*\//, ""));
    try {
      assert.deepEqual(await bobLeases(), [], "the controller returns only bob's own");
      await lab.admin("policy", "set", "all", "--view-all-leases");
      await eventually(async () => (await bobLeases()).includes("nightly-42"), {
        timeout: 10_000,
        interval: 100,
        message: "bob's ListLeases to include alice's lease under the policy",
      });
    } finally {
      bobApi.close();
    }
    const all = await cli(bob, "get", "leases", "-A", "-o", "json");
    assert.equal(all.code, 0, all.stderr);
    assert.deepEqual(JSON.parse(all.stdout).map((r: { client: string }) => r.client), ["alice"]);
    assert.equal(
      (await cli(bob, "get", "leases", "-o", "name")).stdout.trim(),
      "",
      "without -A: his own",
    );

    // Alice gives the lease to bob.
    const moved = await cli(
      alice,
      "update",
      "lease",
      "nightly-42",
      "--to-client",
      "bob",
      "-o",
      "json",
    );
    assert.equal(moved.code, 0, moved.stderr);
    assert.equal(JSON.parse(moved.stdout)[0].client, "bob");
    assert.equal((await cli(bob, "get", "leases", "-o", "name")).stdout.trim(), "nightly-42");
    const gone = await cli(alice, "update", "lease", "nightly-42", "-d", "2h");
    assert.equal(gone.code !== 0, true, "alice no longer holds it");
    const nobody = await cli(bob, "update", "lease", "nightly-42", "--to-client", "carol");
    assert.match(nobody.stderr, /No client named "carol"/);

    const deleted = await cli(bob, "delete", "leases", "--all");
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.equal(deleted.stdout.trim(), 'lease "nightly-42" deleted');
    assert.equal((await cli(bob, "get", "leases", "-o", "name")).stdout.trim(), "");
  },
});

Deno.test({
  name: "UpdateLease with update_mask client moves a lease (grpc-js)",
  ...opts,
  async fn() {
    await using lab = await Lab.start();
    const alice = await lab.client("alice");
    await lab.client("bob");
    const api = await grpcJsClientService(alice);
    try {
      const parent = `namespaces/${api.namespace}`;
      const lease = await api.call<{ name: string }>("CreateLease", {
        parent,
        lease: { selector: "board=none", duration: { seconds: 600 } },
      });
      const moved = await api.call<{ client: string }>("UpdateLease", {
        lease: { name: lease.name, client: `${parent}/clients/bob` },
        update_mask: { paths: ["client"] },
      });
      assert.equal(moved.client, `${parent}/clients/bob`);
      await assert.rejects(
        () => api.call("GetLease", { name: lease.name }),
        (e: { code: number }) => e.code === 5,
        "alice no longer sees it",
      );
    } finally {
      api.close();
    }
  },
});
