// Drives dps-local's service API through Microsoft's Node.js service SDK
// (azure-iot-provisioning-service, pinned in package.json): enrollments and enrollment groups
// created, read, updated with and without a current etag, queried page by page, run in bulk,
// their attestation mechanisms read, registration records read, queried and deleted, and
// everything deleted again. Prints one JSON object: per step, what the SDK returned (the
// fields the test checks) or the error it reported (its name and HTTP status).
//
// Usage: node dps_service_check.js CONFIG_JSON
// CONFIG_JSON: {"phase": "create" | "inspect", "connection_string", "read_connection_string",
// "port", "certificate" (PEM, for the X.509 enrollment), "registered" (IDs the test registered
// between the phases)}. The CA comes from NODE_EXTRA_CA_CERTS.
//
// Reaching a local port: the SDK's HTTP layer (azure-iot-http-base) always connects to port
// 443 of the connection string's host; the client takes an injected RestApiClient, whose Http
// is given an agent that connects to dps-local's port (the same hook the device SDK's Http
// transport takes). The SAS is the SDK's own, for the connection string's HostName.
'use strict';

const https = require('https');
const tls = require('tls');

const { ProvisioningServiceClient } = require('azure-iot-provisioning-service');
const { RestApiClient, Http: HttpBase } = require('azure-iot-http-base');
const { ConnectionString, SharedAccessSignature, anHourFromNow } = require('azure-iot-common');

/** An agent whose connections go to `port` whatever port the URL named. */
class LocalAgent extends https.Agent {
  constructor(port) {
    super({ keepAlive: false });
    this.localPort = port;
  }

  createConnection(options, callback) {
    return tls.connect({ ...options, port: this.localPort }, callback);
  }
}

/** A service client for `connectionString`, reaching dps-local's `port`. */
function serviceClient(connectionString, port) {
  const cn = ConnectionString.parse(connectionString);
  const config = {
    host: cn.HostName.split(':')[0],
    sharedAccessSignature: SharedAccessSignature.create(
      cn.HostName, cn.SharedAccessKeyName, cn.SharedAccessKey, anHourFromNow()).toString(),
  };
  const http = new HttpBase();
  http.setOptions({ http: { agent: new LocalAgent(port) } });
  const rest = new RestApiClient(config, 'provisioning-station-node-judge', http);
  return new ProvisioningServiceClient(config, rest);
}

/** What a failed call reported: the SDK's error name and the HTTP status. */
function failure(err) {
  return {
    error: err.constructor && err.constructor.name,
    status: err.response ? err.response.statusCode : undefined,
    message: String(err.message || err).slice(0, 300),
  };
}

/** Runs `step` and records what it returned, or how it failed. */
async function record(results, name, step) {
  try {
    results[name] = await step();
  } catch (err) {
    results[name] = failure(err);
  }
}

const KEY = 'QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQQ==';

function symmetric(id, extra) {
  return {
    registrationId: id,
    attestation: { type: 'symmetricKey', symmetricKey: { primaryKey: KEY, secondaryKey: KEY } },
    ...extra,
  };
}

/**
 * runBulkEnrollmentOperation as a promise. The SDK's own promise form never settles: it calls
 * back only when it was given a callback (`if (callback)` around the call), so the callback form
 * is wrapped here.
 */
function bulk(client, operation) {
  return new Promise((resolve, reject) => {
    client.runBulkEnrollmentOperation(operation, (err, responseBody) => (err ? reject(err) : resolve({ responseBody })));
  });
}

/**
 * Every page of `query`, with how many pages it took. The token is passed explicitly: the SDK's
 * `next()` without arguments (its promise form) starts again from the first page every time.
 */
async function allPages(query) {
  const items = [];
  let pages = 0;
  do {
    const { responseBody } = await query.next(query.continuationToken);
    items.push(...responseBody);
    pages += 1;
  } while (query.hasMoreResults && pages < 50);
  return { pages, ids: items.map((e) => e.registrationId || e.enrollmentGroupId).sort() };
}

async function create(config, client, results) {
  await record(results, 'create', async () => {
    const { responseBody } = await client.createOrUpdateIndividualEnrollment(symmetric('svc-sym', {
      deviceId: 'svc-device',
      provisioningStatus: 'enabled',
      initialTwin: { tags: { line: 'L1' }, properties: { desired: { interval: 30 } } },
      optionalDeviceInformation: { tags: { serial: 'SN-1' } },
    }));
    return { id: responseBody.registrationId, etag: responseBody.etag, device: responseBody.deviceId };
  });
  await record(results, 'get', async () => {
    const { responseBody } = await client.getIndividualEnrollment('svc-sym');
    return {
      id: responseBody.registrationId,
      etag: responseBody.etag,
      twin: responseBody.initialTwin,
      keyShown: Boolean(responseBody.attestation.symmetricKey && responseBody.attestation.symmetricKey.primaryKey),
    };
  });
  const current = results.get.etag;
  await record(results, 'updateWithEtag', async () => {
    const { responseBody } = await client.getIndividualEnrollment('svc-sym');
    responseBody.optionalDeviceInformation = { tags: { serial: 'SN-1', rework: 1 } };
    const updated = await client.createOrUpdateIndividualEnrollment(responseBody);
    return { etag: updated.responseBody.etag, changed: updated.responseBody.etag !== current };
  });
  await record(results, 'updateWithStaleEtag', async () => {
    const stale = symmetric('svc-sym', { etag: current });
    const { responseBody } = await client.createOrUpdateIndividualEnrollment(stale);
    return { etag: responseBody.etag };
  });
  await record(results, 'x509', async () => {
    const { responseBody } = await client.createOrUpdateIndividualEnrollment({
      registrationId: 'svc-x509',
      attestation: { type: 'x509', x509: { clientCertificates: { primary: { certificate: config.certificate } } } },
    });
    const info = responseBody.attestation.x509.clientCertificates.primary.info;
    return { id: responseBody.registrationId, thumbprint: info && info.sha1Thumbprint };
  });
  await record(results, 'group', async () => {
    const { responseBody } = await client.createOrUpdateEnrollmentGroup({
      enrollmentGroupId: 'svc-group',
      attestation: { type: 'symmetricKey', symmetricKey: { primaryKey: KEY, secondaryKey: KEY } },
      provisioningStatus: 'enabled',
    });
    const read = await client.getEnrollmentGroup('svc-group');
    return { id: responseBody.enrollmentGroupId, etag: responseBody.etag, readEtag: read.responseBody.etag };
  });
  await record(results, 'bulk', async () => {
    const { responseBody } = await bulk(client, {
      mode: 'create',
      enrollments: ['svc-bulk-1', 'svc-bulk-2', 'svc-bulk-3'].map((id) => symmetric(id)),
    });
    return { ok: responseBody.isSuccessful, errors: responseBody.errors || [] };
  });
  await record(results, 'bulkAgain', async () => {
    const { responseBody } = await bulk(client, {
      mode: 'create',
      enrollments: [symmetric('svc-bulk-1')],
    });
    return {
      ok: responseBody.isSuccessful,
      errors: (responseBody.errors || []).map((e) => ({ id: e.registrationId, code: e.errorCode })),
    };
  });
  await record(results, 'query', () => allPages(client.createIndividualEnrollmentQuery({ query: '*' }, 2)));
  await record(results, 'groupQuery', () => allPages(client.createEnrollmentGroupQuery({ query: '*' })));
  await record(results, 'attestation', async () => {
    const { responseBody } = await client.getIndividualEnrollmentAttestationMechanism('svc-sym');
    return { type: responseBody.type, key: responseBody.symmetricKey.primaryKey === KEY };
  });
  await record(results, 'missing', () => client.getIndividualEnrollment('svc-nobody'));
  const reader = serviceClient(config.read_connection_string, config.port);
  await record(results, 'readOnlyGet', async () => {
    const { responseBody } = await reader.getIndividualEnrollment('svc-sym');
    return { id: responseBody.registrationId };
  });
  await record(results, 'readOnlyWrite', () => reader.createOrUpdateIndividualEnrollment(symmetric('svc-reader')));
}

async function inspect(config, client, results) {
  for (const id of config.registered) {
    await record(results, `registration:${id}`, async () => {
      const { responseBody } = await client.getDeviceRegistrationState(id);
      return { id: responseBody.registrationId, status: responseBody.status, hub: responseBody.assignedHub, etag: responseBody.etag };
    });
  }
  await record(results, 'groupRegistrations', () => allPages(
    client.createEnrollmentGroupDeviceRegistrationStateQuery({ query: '*' }, 'svc-group')));
  for (const id of config.registered) {
    await record(results, `deleteRegistration:${id}`, async () => {
      await client.deleteDeviceRegistrationState(id);
      return { deleted: true };
    });
  }
  await record(results, 'registrationGone', () => client.getDeviceRegistrationState(config.registered[0]));
  await record(results, 'deleteWithStaleEtag', () => client.deleteIndividualEnrollment('svc-sym', '"stale"'));
  for (const id of ['svc-sym', 'svc-x509', 'svc-bulk-1', 'svc-bulk-2', 'svc-bulk-3']) {
    await record(results, `delete:${id}`, async () => {
      await client.deleteIndividualEnrollment(id);
      return { deleted: true };
    });
  }
  await record(results, 'deleteGroup', async () => {
    const { responseBody } = await client.getEnrollmentGroup('svc-group');
    await client.deleteEnrollmentGroup(responseBody);
    return { deleted: true };
  });
  await record(results, 'queryAfter', () => allPages(client.createIndividualEnrollmentQuery({ query: '*' })));
  await record(results, 'groupGone', () => client.getEnrollmentGroup('svc-group'));
}

let finished = false;
const progress = {};

// A call whose promise never settles leaves nothing for Node's event loop to wait on: Node
// exits quietly with 0. Say which step it was, and fail.
process.on('exit', () => {
  if (!finished) {
    process.stderr.write(`a call never settled; the steps done: ${JSON.stringify(progress)}\n`);
    process.exitCode = 1;
  }
});

async function main() {
  const config = JSON.parse(process.argv[2]);
  const client = serviceClient(config.connection_string, config.port);
  if (config.phase === 'create') {
    await create(config, client, progress);
  } else {
    await inspect(config, client, progress);
  }
  finished = true;
  process.stdout.write(`${JSON.stringify(progress)}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err.stack || err}\n`);
  process.exit(1);
});
