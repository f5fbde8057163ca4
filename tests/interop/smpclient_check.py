"""Drive a virtual DUT with smpclient (PyPI), an SMP client the station's authors did not write.

Usage: smpclient_check.py PORT
Echoes, writes and reads back a setting, saves, resets, and reads it again. Prints one JSON
line with what it saw; exits non-zero on any unexpected answer.
"""

import asyncio
import json
import sys

from smpclient import SMPClient
from smpclient.generics import error, success
from smpclient.requests.os_management import EchoWrite, ResetWrite
from smpclient.requests.settings_management import ReadSetting, SaveSettings, WriteSetting
from smpclient.transport.serial import SMPSerialTransport


async def main(port: str) -> int:
    seen = {}
    async with SMPClient(SMPSerialTransport(), port) as client:
        echo = await client.request(EchoWrite(d="hello from smpclient"), timeout_s=5)
        if not success(echo):
            print(f"echo failed: {echo}", file=sys.stderr)
            return 1
        seen["echo"] = echo.r

        wrote = await client.request(WriteSetting(name="interop/probe", val=b"written-by-smpclient"), timeout_s=5)
        if error(wrote):
            print(f"write failed: {wrote}", file=sys.stderr)
            return 1

        read = await client.request(ReadSetting(name="interop/probe"), timeout_s=5)
        if not success(read):
            print(f"read failed: {read}", file=sys.stderr)
            return 1
        seen["read"] = read.val.decode()

        missing = await client.request(ReadSetting(name="interop/absent"), timeout_s=5)
        seen["missing_is_error"] = bool(error(missing))

        saved = await client.request(SaveSettings(), timeout_s=5)
        if error(saved):
            print(f"save failed: {saved}", file=sys.stderr)
            return 1
        reset = await client.request(ResetWrite(), timeout_s=5)
        seen["reset_ok"] = bool(success(reset))

        again = await client.request(ReadSetting(name="interop/probe"), timeout_s=5)
        seen["read_after_reset"] = again.val.decode() if success(again) else None
    print(json.dumps(seen))
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1])))
