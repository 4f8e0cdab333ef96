"""What botocore signs for a request: reads {"method","url","headers","body_hex","amz_date","region",
"access_key","secret_key"} as JSON on stdin and prints the SigV4 signature botocore computes for
exactly those headers (the S3 flavour). Used by the S3 client's unit test to check libcurl's
signing against an independent implementation."""
import json
import sys

from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

req = json.load(sys.stdin)
auth = S3SigV4Auth(Credentials(req["access_key"], req["secret_key"]), "s3", req["region"])
request = AWSRequest(method=req["method"], url=req["url"], data=bytes.fromhex(req["body_hex"]),
                     headers=req["headers"])
request.context["timestamp"] = req["amz_date"]
canonical = auth.canonical_request(request)
print(auth.signature(auth.string_to_sign(request, canonical), request))
print(";".join(auth.signed_headers(auth.headers_to_sign(request)).split(";")))
