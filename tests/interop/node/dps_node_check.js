// Registers devices with dps-local through Microsoft's Node.js device SDK
// (azure-iot-provisioning-device and its transports, pinned in package.json). Prints one JSON
// object: per case, the registration status, hub and device ID, or the error the SDK reported.
//
// Usage: node dps_node_check.js CONFIG_JSON
// CONFIG_JSON: {"host", "scope", "ports": {"amqp", "mqtt", "ws", "https"}, "cases": [{"name",
// "transport" (Amqp|AmqpWs|Mqtt|MqttWs|Http), "registration_id", "symmetric_key" |
// "cert_file" + "key_file" | "tpm_port", "payload"?}]}. The CA comes from NODE_EXTRA_CA_CERTS.
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
    try {
      const { host, transport: t } = transport(config, c.transport);
      client = ProvisioningDeviceClient.create(host, config.scope, t, security(c));
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
        finish({
          status: result.status,
          assigned_hub: state.assignedHub,
          device_id: state.deviceId,
          substatus: state.substatus,
          payload: state.payload,
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
