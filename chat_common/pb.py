"""The generated chat.v1 messages and stubs, under short names.

`python -m chat_common.codegen` must have run (the run and test commands do it).
"""

from chat_common.gen.chat.v1 import common_pb2 as common
from chat_common.gen.chat.v1 import context_pb2 as context
from chat_common.gen.chat.v1 import context_pb2_grpc as context_grpc
from chat_common.gen.chat.v1 import inference_pb2 as inference
from chat_common.gen.chat.v1 import inference_pb2_grpc as inference_grpc
from chat_common.gen.chat.v1 import jobs_pb2 as jobs
from chat_common.gen.chat.v1 import jobs_pb2_grpc as jobs_grpc

__all__ = [
    "common",
    "context",
    "context_grpc",
    "inference",
    "inference_grpc",
    "jobs",
    "jobs_grpc",
]
