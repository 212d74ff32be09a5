import assert from "node:assert/strict";
import { routerEndpointForm, RouterEndpoints } from "./router_endpoints.ts";
import { configEndpoint } from "./config_files.ts";

Deno.test("routerEndpointForm() hands out HOST:PORT with TLS and http://HOST:PORT without", () => {
  assert.equal(routerEndpointForm("https://ctl.lab:8082", true), "ctl.lab:8082");
  assert.equal(routerEndpointForm("ctl.lab:8082", true), "ctl.lab:8082");
  assert.equal(routerEndpointForm("[::1]:8082", true), "[::1]:8082");
  assert.equal(routerEndpointForm("127.0.0.1:8082", false), "http://127.0.0.1:8082");
  assert.equal(routerEndpointForm("http://127.0.0.1:8082/", false), "http://127.0.0.1:8082");
  assert.throws(() => routerEndpointForm("http://ctl:1", true), /serves TLS, so give HOST:PORT/);
  for (const bad of ["ctl", "ctl:0", "ctl:70000", "grpc://ctl:1", "ctl:1/path"]) {
    assert.throws(
      () => routerEndpointForm(bad, true),
      /Invalid router endpoint ".*": use HOST:PORT/,
    );
  }
});

Deno.test("RouterEndpoints.next() hands the addresses out in turn", () => {
  const endpoints = new RouterEndpoints(["a:1", "https://b:2"], true);
  assert.deepEqual([1, 2, 3].map(() => endpoints.next()), ["a:1", "b:2", "a:1"]);
  assert.throws(() => new RouterEndpoints([], true), /At least one/);
});

Deno.test("configEndpoint() writes upstream's bare HOST:PORT for TLS, http:// for h2c", () => {
  assert.equal(configEndpoint("127.0.0.1:8082", true), "127.0.0.1:8082");
  assert.equal(configEndpoint("https://ctl:8082/", false), "ctl:8082");
  assert.equal(configEndpoint("127.0.0.1:8082", false), "http://127.0.0.1:8082");
  assert.equal(configEndpoint("http://127.0.0.1:8082", true), "http://127.0.0.1:8082");
  assert.equal(configEndpoint("a:1, https://b:2", true), "a:1,b:2");
});
