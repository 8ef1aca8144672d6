"""The generated chat.v1 messages and stubs, under short names.

`python -m chat_common.codegen` must have run (the run and test commands do it).
"""

from chat_common.gen.chat.v1 import common_pb2 as common
from chat_common.gen.chat.v1 import context_pb2 as context
from chat_common.gen.chat.v1 import context_pb2_grpc as context_grpc
from chat_common.gen.chat.v1 import conversations_pb2 as conversations
from chat_common.gen.chat.v1 import conversations_pb2_grpc as conversations_grpc
from chat_common.gen.chat.v1 import inference_pb2 as inference
from chat_common.gen.chat.v1 import inference_pb2_grpc as inference_grpc
from chat_common.gen.chat.v1 import jobs_pb2 as jobs
from chat_common.gen.chat.v1 import jobs_pb2_grpc as jobs_grpc

# Full names of the services, read from the protos' descriptors: the one source for health
# checks, reflection and retry policies.
JOB_SERVICE: str = jobs.DESCRIPTOR.services_by_name["JobService"].full_name
CONTEXT_SERVICE: str = context.DESCRIPTOR.services_by_name["ContextService"].full_name
CONVERSATION_SERVICE: str = conversations.DESCRIPTOR.services_by_name["ConversationService"].full_name
INFERENCE_SERVICE: str = inference.DESCRIPTOR.services_by_name["InferenceService"].full_name
# Each service process by the name the suite, the gateway and compose know it by.
SERVICE_NAMES: dict[str, str] = {
    "job_service": JOB_SERVICE,
    "context_service": CONTEXT_SERVICE,
    "inference_service": INFERENCE_SERVICE,
}

__all__ = [
    "CONTEXT_SERVICE",
    "CONVERSATION_SERVICE",
    "INFERENCE_SERVICE",
    "JOB_SERVICE",
    "SERVICE_NAMES",
    "common",
    "context",
    "context_grpc",
    "conversations",
    "conversations_grpc",
    "inference",
    "inference_grpc",
    "jobs",
    "jobs_grpc",
]
