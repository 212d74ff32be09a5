/** A throwaway TLS CA with server and client pairs, made with the system's openssl. */

/** Paths of a throwaway CA, a server pair for 127.0.0.1 and a client pair. */
export interface TestTls {
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
}

async function openssl(args: string[]): Promise<void> {
  const out = await new Deno.Command("openssl", { args, stdout: "null", stderr: "piped" }).output();
  if (!out.success) {
    throw new Error(`openssl ${args[0]} failed: ${new TextDecoder().decode(out.stderr).trim()}`);
  }
}

/** A throwaway CA, a server pair for 127.0.0.1 and a client pair (ECDSA P-256, one day). */
export async function makeTestTls(dir: string): Promise<TestTls> {
  await Deno.mkdir(dir, { recursive: true });
  const key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  await openssl([
    "req",
    "-x509",
    ...key,
    "-keyout",
    `${dir}/ca-key.pem`,
    "-out",
    `${dir}/ca.pem`,
    "-days",
    "1",
    "-subj",
    "/CN=jumpstarter test CA",
  ]);
  for (
    const [name, ext] of [
      [
        "server",
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth",
      ],
      ["client", "extendedKeyUsage=clientAuth"],
    ]
  ) {
    await Deno.writeTextFile(`${dir}/${name}.ext`, `${ext}\n`);
    await openssl([
      "req",
      ...key,
      "-keyout",
      `${dir}/${name}-key.pem`,
      "-out",
      `${dir}/${name}.csr`,
      "-subj",
      `/CN=jumpstarter-${name}`,
    ]);
    await openssl([
      "x509",
      "-req",
      "-in",
      `${dir}/${name}.csr`,
      "-CA",
      `${dir}/ca.pem`,
      "-CAkey",
      `${dir}/ca-key.pem`,
      "-CAcreateserial",
      "-out",
      `${dir}/${name}.pem`,
      "-days",
      "1",
      "-extfile",
      `${dir}/${name}.ext`,
    ]);
  }
  return {
    ca: `${dir}/ca.pem`,
    serverCert: `${dir}/server.pem`,
    serverKey: `${dir}/server-key.pem`,
    clientCert: `${dir}/client.pem`,
    clientKey: `${dir}/client-key.pem`,
  };
}
