/**
 * The one page anyone may see: how to log in. It shows nothing of the lab.
 *
 * @module
 */

/** Answered (401) to every request without a valid session. */
export const LOGIN_REQUIRED_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>Jumpstarter: log in</title></head>
<body>
<h1>Jumpstarter dashboard</h1>
<p id="login-required">Log in with a one-time URL from your client:</p>
<pre>jumpstarter dashboard --open</pre>
<p>A login URL works once, for one minute. An unknown, used or expired one lands here.</p>
</body></html>
`;
