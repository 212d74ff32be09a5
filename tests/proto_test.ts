// Checks the generated protobuf code (src/gen) against wire facts of upstream
// Jumpstarter: type names, streaming kinds and field numbers. A failure here
// means proto/ drifted from the upstream protocol (or src/gen is stale).

import assert from "node:assert/strict";
import { create, fromBinary, fromJson, toBinary, toJson } from "@bufbuild/protobuf";
import type { DescMessage, JsonValue } from "@bufbuild/protobuf";
import { type Value, ValueSchema } from "@bufbuild/protobuf/wkt";
import {
  ControllerService,
  DriverCallRequestSchema,
  ExporterService,
  GetReportResponseSchema,
  GetStatusResponseSchema,
  LogStreamResponseSchema,
} from "../src/gen/jumpstarter/v1/jumpstarter_pb.ts";
import {
  FrameType,
  RouterService,
  StreamRequestSchema,
} from "../src/gen/jumpstarter/v1/router_pb.ts";
import { ExporterStatus, LogSource } from "../src/gen/jumpstarter/v1/common_pb.ts";
import { ConditionSchema } from "../src/gen/jumpstarter/v1/kubernetes_pb.ts";
import {
  ClientService,
  LeaseSchema,
  ListLeasesRequestSchema,
} from "../src/gen/jumpstarter/client/v1/client_pb.ts";

const valueFromJson = (json: JsonValue): Value => fromJson(ValueSchema, json);
const valueToJson = (value: Value): JsonValue => toJson(ValueSchema, value);

function hex(text: string): Uint8Array {
  return Uint8Array.from(text.match(/../g) ?? [], (b) => parseInt(b, 16));
}

function fieldNumber(schema: DescMessage, protoName: string): number {
  const field = schema.fields.find((f) => f.name === protoName);
  assert.ok(field, `${schema.typeName} has no field ${protoName}`);
  return field.number;
}

function isProto3Optional(schema: DescMessage, protoName: string): boolean {
  const field = schema.fields.find((f) => f.name === protoName);
  assert.ok(field, `${schema.typeName} has no field ${protoName}`);
  return field.proto.proto3Optional === true;
}

Deno.test("DriverCallRequest with google.protobuf.Value args round-trips", () => {
  const args: JsonValue[] = [
    "on",
    42,
    true,
    null,
    { kind: "client_stream", uuid: "5c0ffee0-0000-4000-8000-000000000001", n: [1, 2.5] },
    ["a", { nested: false }],
  ];
  const request = create(DriverCallRequestSchema, {
    uuid: "9a3c1d2e-1111-4222-8333-444455556666",
    method: "flash",
    args: args.map((a) => valueFromJson(a)),
  });
  const bytes = toBinary(DriverCallRequestSchema, request);
  assert.ok(bytes.length > 0);

  const decoded = fromBinary(DriverCallRequestSchema, bytes);
  assert.equal(decoded.uuid, request.uuid);
  assert.equal(decoded.method, "flash");
  assert.deepEqual(decoded.args.map((v) => valueToJson(v)), args);
  // Re-encoding the decoded message gives the same bytes.
  assert.deepEqual(toBinary(DriverCallRequestSchema, decoded), bytes);
});

Deno.test("DriverCallRequest hand-encoded wire bytes decode as upstream sends them", () => {
  const wire = hex(
    "0a0175" + // field 1 (uuid), len 1, "u"
      "12026f6e" + // field 2 (method), len 2, "on"
      "1a031a0178", // field 3 (args), len 3: Value{ field 3 (string_value), len 1, "x" }
  );
  const decoded = fromBinary(DriverCallRequestSchema, wire);
  assert.equal(decoded.uuid, "u");
  assert.equal(decoded.method, "on");
  assert.equal(decoded.args.length, 1);
  assert.equal(decoded.args[0].$typeName, ValueSchema.typeName);
  assert.equal(valueToJson(decoded.args[0]), "x");
  assert.deepEqual(toBinary(DriverCallRequestSchema, decoded), wire);
});

Deno.test("service type names match upstream", () => {
  assert.equal(ExporterService.typeName, "jumpstarter.v1.ExporterService");
  assert.equal(ControllerService.typeName, "jumpstarter.v1.ControllerService");
  assert.equal(RouterService.typeName, "jumpstarter.v1.RouterService");
  assert.equal(ClientService.typeName, "jumpstarter.client.v1.ClientService");
});

Deno.test("method names and streaming kinds match upstream", () => {
  const kinds = (svc: { methods: { name: string; methodKind: string }[] }) =>
    Object.fromEntries(svc.methods.map((m) => [m.name, m.methodKind]));

  assert.deepEqual(kinds(ExporterService), {
    GetReport: "unary",
    DriverCall: "unary",
    StreamingDriverCall: "server_streaming",
    LogStream: "server_streaming",
    Reset: "unary",
    GetStatus: "unary",
    EndSession: "unary",
  });
  assert.deepEqual(kinds(ControllerService), {
    Register: "unary",
    Unregister: "unary",
    ReportStatus: "unary",
    Listen: "server_streaming",
    Status: "server_streaming",
    Dial: "unary",
    GetLease: "unary",
    RequestLease: "unary",
    ReleaseLease: "unary",
    ListLeases: "unary",
    GetServiceEndpoints: "unary",
  });
  assert.deepEqual(kinds(RouterService), { Stream: "bidi_streaming" });
  assert.deepEqual(kinds(ClientService), {
    GetExporter: "unary",
    ListExporters: "unary",
    GetLease: "unary",
    ListLeases: "unary",
    CreateLease: "unary",
    UpdateLease: "unary",
    DeleteLease: "unary",
    RotateToken: "unary",
  });

  // Spot checks through the generated per-method handles.
  assert.equal(ExporterService.method.driverCall.name, "DriverCall");
  assert.equal(ExporterService.method.streamingDriverCall.methodKind, "server_streaming");
  assert.equal(RouterService.method.stream.methodKind, "bidi_streaming");
  assert.equal(ExporterService.method.getReport.input.typeName, "google.protobuf.Empty");
  assert.equal(ExporterService.method.logStream.input.typeName, "google.protobuf.Empty");
  assert.equal(ClientService.method.deleteLease.output.typeName, "google.protobuf.Empty");
  assert.equal(ClientService.method.getLease.output.typeName, "jumpstarter.client.v1.Lease");
});

Deno.test("field numbers and presence match upstream", () => {
  assert.equal(fieldNumber(GetReportResponseSchema, "reports"), 3);
  assert.equal(fieldNumber(GetReportResponseSchema, "motd"), 5);
  assert.equal(fieldNumber(LeaseSchema, "exporter_name"), 12);
  assert.equal(fieldNumber(LeaseSchema, "deprecated_labels"), 16);
  assert.equal(fieldNumber(LogStreamResponseSchema, "timestamp"), 7);
  assert.equal(fieldNumber(LogStreamResponseSchema, "structured_fields"), 8);
  assert.equal(fieldNumber(GetStatusResponseSchema, "status_version"), 3);
  assert.equal(fieldNumber(ListLeasesRequestSchema, "only_active"), 5);
  assert.equal(fieldNumber(ConditionSchema, "lastTransitionTime"), 4);
  assert.equal(fieldNumber(StreamRequestSchema, "frame_type"), 2);

  assert.ok(isProto3Optional(LeaseSchema, "exporter_name"));
  assert.ok(isProto3Optional(ListLeasesRequestSchema, "only_active"));
  assert.ok(isProto3Optional(LogStreamResponseSchema, "source"));
  assert.ok(!isProto3Optional(LeaseSchema, "allow_disabled"));
});

Deno.test("enum values match upstream", () => {
  assert.equal(FrameType.DATA, 0);
  assert.equal(FrameType.RST_STREAM, 3);
  assert.equal(FrameType.PING, 6);
  assert.equal(FrameType.GOAWAY, 7);
  assert.equal(ExporterStatus.LEASE_READY, 4);
  assert.equal(ExporterStatus.AFTER_LEASE_HOOK_FAILED, 7);
  assert.equal(LogSource.SYSTEM, 4);
});
