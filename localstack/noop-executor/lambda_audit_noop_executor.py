"""A LocalStack Lambda runtime executor that needs no Docker.

LocalStack's default ("docker") executor prepares every new function version
by downloading its runtime-init binary and pulling a runtime image; without
Docker (and without internet access) that fails and the function ends up in
state ``Failed``. A Failed function makes CloudFormation roll the whole stack
back and makes UpdateFunctionConfiguration fail.

lambda-audit only reads configuration, so we do not need to run any code:
this executor "prepares" instantly (functions become ``Active``, as on AWS)
and refuses to start an execution environment, so an invocation fails with a
clear error instead of trying to reach Docker or the network.

Enabled by start.sh with LAMBDA_RUNTIME_EXECUTOR=noop.
"""

from localstack.services.lambda_.invocation.plugins import RuntimeExecutorPlugin
from localstack.services.lambda_.invocation.runtime_executor import (
    LambdaRuntimeException,
    RuntimeExecutor,
)

_NO_RUNTIME = (
    "lambda-audit test harness: Lambda invocation is not supported "
    "(LAMBDA_RUNTIME_EXECUTOR=noop, no Docker)"
)


class NoopRuntimeExecutor(RuntimeExecutor):
    def start(self, env_vars):
        raise LambdaRuntimeException(_NO_RUNTIME)

    def stop(self):
        pass

    def get_address(self):
        return "127.0.0.1"

    def get_endpoint_from_executor(self):
        return "127.0.0.1"

    def get_runtime_endpoint(self):
        return "http://127.0.0.1:4566/_localstack_lambda/noop"

    def invoke(self, payload):
        raise LambdaRuntimeException(_NO_RUNTIME)

    def get_logs(self):
        return _NO_RUNTIME

    @classmethod
    def prepare_version(cls, function_version):
        # Nothing to download or pull: the version becomes Active at once.
        pass

    @classmethod
    def cleanup_version(cls, function_version):
        pass

    @classmethod
    def validate_environment(cls):
        return True


class NoopRuntimeExecutorPlugin(RuntimeExecutorPlugin):
    name = "noop"

    def load(self, *args, **kwargs):
        return NoopRuntimeExecutor
