/**
 * Run as a child by testing_test.ts: takes a board through the fixture,
 * prints where it is, then waits until the parent interrupts it.
 */
import { withDevice } from "../../testing.ts";

const exporterConfig = Deno.env.get("FIXTURE_EXPORTER_CONFIG");
const selector = Deno.env.get("FIXTURE_SELECTOR");

Deno.test({
  name: "waits to be interrupted",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: withDevice({ exporterConfig, selector, duration: "5m" }, async (_t, dut) => {
    console.log(`READY ${dut.origin} ${dut.host} ${dut.leaseName ?? ""}`);
    await new Promise((r) => setTimeout(r, 60_000));
  }),
});
