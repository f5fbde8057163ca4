"""A locked, provisioned board seen through smpclient (PyPI): tries to read every `dps/*`
setting back, and to overwrite the symmetric key.

Usage: smpclient_locked_check.py PORT
Prints one JSON object: per setting, the value read (text) or the error it got; and whether the
write was refused.
"""

import asyncio
import json
import sys

from smpclient import SMPClient
from smpclient.generics import error, success
from smpclient.requests.settings_management import ReadSetting, WriteSetting
from smpclient.transport.serial import SMPSerialTransport

NAMES = ["dps/endpoint", "dps/id_scope", "dps/reg_id", "dps/attestation", "dps/sym_key"]


async def main(port: str) -> int:
    seen = {"read": {}}
    async with SMPClient(SMPSerialTransport(), port) as client:
        for name in NAMES:
            r = await client.request(ReadSetting(name=name), timeout_s=5)
            if success(r):
                seen["read"][name] = {"value": r.val.decode(errors="replace")}
            else:
                seen["read"][name] = {"error": str(r)}
        w = await client.request(WriteSetting(name="dps/sym_key", val=b"AAAA"), timeout_s=5)
        seen["overwrite_refused"] = bool(error(w))
    print(json.dumps(seen))
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1])))
