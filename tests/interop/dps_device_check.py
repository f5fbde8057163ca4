"""Registers devices with dps-local through Microsoft's azure-iot-device SDK (MQTT over TLS,
port 8883, which the SDK cannot be told to change). Prints one JSON object: per case, the
registration status, hub and device ID, or the error the SDK raised.

Usage: dps_device_check.py HOST ID_SCOPE CA_PEM CASES_JSON
CASES_JSON: [{"name", "registration_id", "symmetric_key"} | {"name", "registration_id",
"cert_file", "key_file"}, ...]; "websockets": true for MQTT over WebSockets (port 443);
"hub": true to then connect to the assigned hub with IoTHubDeviceClient (its MQTT on port 8883
of gateway_hostname HOST, the hub's name in the username and SAS), read the twin, report a
property and send one telemetry message
"""

import json
import sys

from azure.iot.device import IoTHubDeviceClient, Message, ProvisioningDeviceClient, X509


def register(host, scope, ca, case):
    if "symmetric_key" in case:
        client = ProvisioningDeviceClient.create_from_symmetric_key(
            provisioning_host=host,
            registration_id=case["registration_id"],
            id_scope=scope,
            symmetric_key=case["symmetric_key"],
            server_verification_cert=ca,
            websockets=case.get("websockets", False),
        )
    else:
        client = ProvisioningDeviceClient.create_from_x509_certificate(
            provisioning_host=host,
            registration_id=case["registration_id"],
            id_scope=scope,
            x509=X509(cert_file=case["cert_file"], key_file=case["key_file"]),
            server_verification_cert=ca,
            websockets=case.get("websockets", False),
        )
    try:
        result = client.register()
        state = result.registration_state
        out = {
            "status": result.status,
            "assigned_hub": state.assigned_hub if state else None,
            "device_id": state.device_id if state else None,
            "substatus": getattr(state, "sub_status", None) if state else None,
        }
        if case.get("hub") and result.status == "assigned":
            out["hub"] = at_hub(host, ca, case, state.assigned_hub, state.device_id)
        return out
    except Exception as e:  # the SDK's own exception types; the test asserts on them
        cause = e.__cause__
        return {"error": type(e).__name__, "message": str(e), "cause": repr(cause)}
    finally:
        try:
            client.shutdown()
        except Exception:
            pass


def at_hub(host, ca, case, hub, device_id):
    """The twin, a reported property and a telemetry message at the device's hub."""
    if "symmetric_key" in case:
        client = IoTHubDeviceClient.create_from_symmetric_key(
            symmetric_key=case["symmetric_key"],
            hostname=hub,
            device_id=device_id,
            gateway_hostname=host,
            server_verification_cert=ca,
        )
    else:
        client = IoTHubDeviceClient.create_from_x509_certificate(
            x509=X509(cert_file=case["cert_file"], key_file=case["key_file"]),
            hostname=hub,
            device_id=device_id,
            gateway_hostname=host,
            server_verification_cert=ca,
        )
    try:
        client.connect()
        twin = client.get_twin()
        client.patch_twin_reported_properties({"firmware": "1.0.0", "judge": "python"})
        client.send_message(Message(json.dumps({"temperature": 20.5, "device": device_id})))
        return {"desired": twin.get("desired"), "sent": 1}
    except Exception as e:  # the SDK's own exception types; the test asserts on them
        return {"error": type(e).__name__, "message": str(e)}
    finally:
        try:
            client.shutdown()
        except Exception:
            pass


def main():
    host, scope, ca_path, cases_json = sys.argv[1:5]
    with open(ca_path) as f:
        ca = f.read()
    cases = json.loads(cases_json)
    out = {case["name"]: register(host, scope, ca, case) for case in cases}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
