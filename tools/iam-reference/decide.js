// Reference decisions for iam-eval's differential corpus test.
// Reads one case per line on stdin (JSON), writes one line per case:
// {"id": ..., "decision": "allowed" | "implicitDeny" | "explicitDeny" | "error: ..."}.
// Uses @cloud-copilot/iam-simulate (AGPL), installed by scripts/setup.sh; test-time only.
//
// This calls the package's core engine the way its runUnsafeSimulation does
// (no context-key validation, so made-up keys reach the conditions), but also
// passes the session policy, which runUnsafeSimulation drops.
'use strict';
const path = require('node:path');
const readline = require('node:readline');
const { loadPolicy } = require('@cloud-copilot/iam-policy');

const dist = path.join(__dirname, 'node_modules', '@cloud-copilot', 'iam-simulate', 'dist', 'cjs');
const { authorize } = require(path.join(dist, 'core_engine', 'CoreSimulatorEngine.js'));
const { AwsRequestImpl } = require(path.join(dist, 'request', 'request.js'));
const { RequestContextImpl } = require(path.join(dist, 'requestContext.js'));
const { DiscoveryContextKeyConstraints } = require(path.join(dist, 'context_keys', 'discoveryContextKeyConstraints.js'));

const names = { Allowed: 'allowed', ImplicitlyDenied: 'implicitDeny', ExplicitlyDenied: 'explicitDeny' };

function decide(c) {
  const request = new AwsRequestImpl(
    c.principal,
    { resource: c.resource, accountId: c.resourceAccount || '123456789012' },
    c.action,
    new RequestContextImpl(c.context || {}),
  );
  const analysis = authorize({
    request,
    sessionPolicy: c.session ? loadPolicy(c.session, { name: 'session' }) : undefined,
    identityPolicies: (c.identity || []).map((p, i) => loadPolicy(p, { name: `identity${i}` })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: c.trust ? loadPolicy(c.trust, { name: 'trust' }) : undefined,
    permissionBoundaries: undefined,
    vpcEndpointPolicies: undefined,
    simulationParameters: {
      simulationMode: 'Strict',
      discoveryContextKeyConstraints: new DiscoveryContextKeyConstraints([]),
    },
    serviceSettings: { s3: {} },
  });
  return names[analysis.result] || `error: ${JSON.stringify(analysis.result)}`;
}

const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
rl.on('line', (line) => {
  if (!line.trim()) return;
  const c = JSON.parse(line);
  let decision;
  try {
    decision = decide(c);
  } catch (e) {
    decision = `error: ${e && e.message}`;
  }
  process.stdout.write(JSON.stringify({ id: c.id, decision }) + '\n');
});
