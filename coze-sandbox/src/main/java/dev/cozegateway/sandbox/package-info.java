/**
 * A local fake of Coze's OAuth and workflow HTTP APIs, for tests and the demo mode.
 *
 * <p>{@link dev.cozegateway.sandbox.CozeSandbox} serves the authorize and consent pages, the token
 * endpoints (authorization code, PKCE, refresh, device code, JWT bearer), the device-code endpoints
 * and verification page, and the scripted workflows ({@link
 * dev.cozegateway.sandbox.SandboxWorkflow}) on one loopback origin, presenting one Coze region,
 * following the wire contract in {@code coze-api.md} (§1–§4). Everything else in this package is an
 * implementation detail. A small test-only control surface lives under {@code /_sandbox/}.
 */
package dev.cozegateway.sandbox;
