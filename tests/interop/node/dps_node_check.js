// Registers devices with dps-local through Microsoft's Node.js device SDK
// (azure-iot-provisioning-device and its transports, pinned in package.json). Prints one JSON
// object: per case, the registration status, hub and device ID, or the error the SDK reported.
//
// Usage: node dps_node_check.js CONFIG_JSON
// CONFIG_JSON: {"host", "scope", "ports": {"amqp", "mqtt", "ws", "https"}, "cases": [{"name",
// "transport" (Amqp|AmqpWs|Mqtt|MqttWs|Http), "registration_id", "symmetric_key" |
// "cert_file" + "key_file" | "tpm_port", "payload"?, "hub"?: {"wait_desired"?}}]}. The CA comes
// from NODE_EXTRA_CA_CERTS.
//
// A case with "hub" then connects to the hub its registration named, with the credential it
// registered with (azure-iot-device's Client over Mqtt, `gatewayHostName` = dps-local's MQTT
// port, the hub's name staying in the username and SAS), reads its twin, reports a property
// and sends one telemetry message; with "wait_desired" it prints
// {"event":"listening","case":NAME} and waits for a desired-property update with a "marker".
// The last line printed is the JSON object of results.
//
// TPM devices: azure-iot-security-tpm on tss.js, talking to a swtpm on loopback through
// tss.js's TCP device in its Linux-TRM framing (an internal class, hence tss.js pinned): its
// simulator mode expects the Microsoft simulator's handshake, which swtpm does not speak.
//
// Reaching a local port (DPS-NOTES §2.8): Amqp and Mqtt take `host:port`. AmqpWs, MqttWs and
// Http always build a URL on port 443; rather than bind 443 (one process at a time, and root),
// each is given the SDK's own hook for an agent, and the agent connects to dps-local's port.
'use strict';

const fs = require('fs');
const https = require('https');
const tls = require('tls');

const { ProvisioningDeviceClient } = require('azure-iot-provisioning-device');
const { Amqp, AmqpWs } = require('azure-iot-provisioning-device-amqp');
const { Mqtt, MqttWs } = require('azure-iot-provisioning-device-mqtt');
const { Http } = require('azure-iot-provisioning-device-http');
const { SymmetricKeySecurityClient } = require('azure-iot-security-symmetric-key');
const { X509Security } = require('azure-iot-security-x509');
const { TpmSecurityClient } = require('azure-iot-security-tpm');
const tss = require('tss.js');
const { TpmTcpDevice } = require('tss.js/lib/TpmDevice');
const { Http: HttpBase } = require('azure-iot-http-base');
const { Client, Message, SharedAccessKeyAuthenticationProvider, X509AuthenticationProvider } = require('azure-iot-device');
const { Mqtt: HubMqtt } = require('azure-iot-device-mqtt');
const { TpmAuthenticationProvider } = require('azure-iot-security-tpm');
const { MqttBase } = require('azure-iot-mqtt-base');

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

function transport(config, name) {
  const ports = config.ports;
  switch (name) {
    case 'Amqp':
      return { host: `${config.host}:${ports.amqp}`, transport: new Amqp() };
    case 'Mqtt':
      return { host: `${config.host}:${ports.mqtt}`, transport: new Mqtt() };
    case 'AmqpWs': {
      const t = new AmqpWs();
      t.setTransportOptions({ webSocketAgent: new LocalAgent(ports.ws) });
      return { host: config.host, transport: t };
    }
    case 'MqttWs': {
      const base = new MqttBase();
      base.setOptions({ mqtt: { webSocketAgent: new LocalAgent(ports.ws) } });
      return { host: config.host, transport: new MqttWs(base) };
    }
    case 'Http': {
      const base = new HttpBase();
      base.setOptions({ http: { agent: new LocalAgent(ports.https) } });
      return { host: config.host, transport: new Http(base) };
    }
    default:
      throw new Error(`unknown transport ${name}`);
  }
}

function security(c) {
  if (c.tpm_port) {
    const tpm = new tss.Tpm(false);
    tpm.device = new TpmTcpDevice('127.0.0.1', c.tpm_port, true);
    return new TpmSecurityClient(c.registration_id, tpm);
  }
  if (c.symmetric_key) {
    return new SymmetricKeySecurityClient(c.registration_id, c.symmetric_key);
  }
  return new X509Security(c.registration_id, {
    cert: fs.readFileSync(c.cert_file, 'utf8'),
    key: fs.readFileSync(c.key_file, 'utf8'),
  });
}

/** What the SDK's error carries besides its message: the HTTP status, DPS's body, the AMQP
 * condition, the transport's own error. */
function cause(err) {
  const parts = [];
  if (err.response && err.response.statusCode) parts.push(`status ${err.response.statusCode}`);
  if (err.responseBody) parts.push(String(err.responseBody));
  if (err.result) parts.push(JSON.stringify(err.result));
  if (err.amqpError) parts.push(`${err.amqpError.condition}: ${err.amqpError.description}`);
  if (err.transportError) parts.push(`${err.transportError.name}: ${err.transportError.message}`);
  return parts.join('; ');
}

/** The hub's device client for a registered device, with the credential it registered with. */
function hubClient(config, c, securityClient, hub, deviceId) {
  const gatewayHostName = `${config.host}:${config.ports.mqtt}`;
  if (c.symmetric_key) {
    const cs = `HostName=${hub};DeviceId=${deviceId};SharedAccessKey=${c.symmetric_key};GatewayHostName=${gatewayHostName}`;
    return Client.fromAuthenticationProvider(SharedAccessKeyAuthenticationProvider.fromConnectionString(cs), HubMqtt);
  }
  const credentials = { host: hub, deviceId, gatewayHostName };
  if (c.tpm_port) {
    return Client.fromAuthenticationProvider(new TpmAuthenticationProvider(credentials, securityClient), HubMqtt);
  }
  const client = Client.fromAuthenticationProvider(new X509AuthenticationProvider(credentials), HubMqtt);
  client.setOptions({ cert: fs.readFileSync(c.cert_file, 'utf8'), key: fs.readFileSync(c.key_file, 'utf8') });
  return client;
}

const promise = (f) => new Promise((resolve, reject) => f((err, v) => (err ? reject(err) : resolve(v))));

/** At the hub: the twin, a reported property, a telemetry message, perhaps a desired update. */
async function atHub(config, c, securityClient, hub, deviceId) {
  const client = hubClient(config, c, securityClient, hub, deviceId);
  try {
    await client.open();
    const twin = await client.getTwin();
    const out = { desired: twin.properties.desired };
    await promise((cb) => twin.properties.reported.update({ firmware: '1.0.0', judge: 'node' }, cb));
    out.reported_version = twin.properties.reported.$version;
    await client.sendEvent(new Message(JSON.stringify({ temperature: 21.5, device: deviceId })));
    out.sent = 1;
    if (c.hub.wait_desired) {
      out.desired_update = await new Promise((resolve, reject) => {
        twin.on('properties.desired', (patch) => {
          if (patch.marker !== undefined) resolve(patch);
        });
        // The listener subscribes in the background; a twin read sent after it is answered
        // after the hub took the SUBSCRIBE (one connection keeps its order): then listening.
        twin.get((err) => {
          if (err) reject(err);
          else process.stdout.write(JSON.stringify({ event: 'listening', case: c.name }) + '\n');
        });
      });
    }
    return out;
  } catch (e) {
    return { error: e.name || 'Error', message: String(e.message || e) };
  } finally {
    await client.close().catch(() => {});
  }
}

/** One registration, bounded: a hang is reported as one (the SDK's own timeouts are long). */
function register(config, c) {
  return new Promise((resolve) => {
    let done = false;
    const finish = (out) => {
      if (!done) {
        done = true;
        clearTimeout(timer);
        resolve(out);
      }
    };
    const timer = setTimeout(() => finish({ error: 'timeout', message: 'no answer in 20 s' }), 20000);
    let client;
    let securityClient;
    try {
      const { host, transport: t } = transport(config, c.transport);
      securityClient = security(c);
      client = ProvisioningDeviceClient.create(host, config.scope, t, securityClient);
      if (c.payload !== undefined) client.setProvisioningPayload(c.payload);
    } catch (e) {
      finish({ error: e.name || 'Error', message: String(e.message || e) });
      return;
    }
    client.register((err, result) => {
      if (err) {
        finish({ error: err.name || 'Error', message: String(err.message || err), cause: cause(err) });
      } else {
        // The TPM registration answers with the whole operation status; the others with its
        // registration state.
        const state = result.registrationState || result;
        const registered = {
          status: result.status,
          assigned_hub: state.assignedHub,
          device_id: state.deviceId,
          substatus: state.substatus,
          payload: state.payload,
        };
        if (!c.hub) {
          finish(registered);
          return;
        }
        clearTimeout(timer);
        const atHubTimer = setTimeout(() => {
          done = true;
          resolve({ ...registered, hub: { error: 'timeout', message: 'nothing from the hub in 30 s' } });
        }, 30000);
        atHub(config, c, securityClient, state.assignedHub, state.deviceId).then((hub) => {
          clearTimeout(atHubTimer);
          if (!done) {
            done = true;
            resolve({ ...registered, hub });
          }
        });
      }
    });
  });
}

async function main() {
  const config = JSON.parse(process.argv[2]);
  // All at once: each case is its own device (or its own refusal), as on a line.
  const results = await Promise.all(config.cases.map((c) => register(config, c)));
  const out = {};
  config.cases.forEach((c, i) => {
    out[c.name] = results[i];
  });
  process.stdout.write(JSON.stringify(out) + '\n');
  // Transports may hold sockets open after the callback; the answers are out.
  process.exit(0);
}

main().catch((e) => {
  process.stderr.write(String(e.stack || e) + '\n');
  process.exit(1);
});
