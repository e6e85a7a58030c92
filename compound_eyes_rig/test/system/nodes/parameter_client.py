"""What `ros2 param` does, as a plain rclpy node: calls another node's parameter services.

It has its own rclpy context and waits for each answer, so a test can use it next to the
other probes; `with ParameterClient(fqn) as params:` always shuts the context down.
"""
from __future__ import annotations

from typing import Any

import rclpy
from rcl_interfaces.msg import ParameterDescriptor, SetParametersResult
from rcl_interfaces.srv import DescribeParameters, GetParameters, ListParameters, SetParameters
from rclpy.context import Context
from rclpy.executors import SingleThreadedExecutor
from rclpy.parameter import Parameter, parameter_value_to_python

CALL_TIMEOUT_S = 10.0


class ParameterClient:
    """Lists, describes, gets and sets the parameters of the node named fqn."""

    def __init__(self, fqn: str) -> None:
        self.context = Context()
        rclpy.init(context=self.context)
        self.node = rclpy.create_node('parameter_client', context=self.context)
        self.executor = SingleThreadedExecutor(context=self.context)
        self.executor.add_node(self.node)
        self.clients = {service: self.node.create_client(kind, f'{fqn}/{service}')
                        for service, kind in (('list_parameters', ListParameters),
                                              ('describe_parameters', DescribeParameters),
                                              ('get_parameters', GetParameters),
                                              ('set_parameters', SetParameters))}

    def wait_for_services(self, timeout_s: float) -> bool:
        """Wait until every parameter service of the node is available."""
        return all(client.wait_for_service(timeout_sec=timeout_s)
                   for client in self.clients.values())

    def _call(self, service: str, request: Any) -> Any:
        future = self.clients[service].call_async(request)
        self.executor.spin_until_future_complete(future, timeout_sec=CALL_TIMEOUT_S)
        if not future.done():
            raise TimeoutError(f'{service}: no answer within {CALL_TIMEOUT_S} s')
        return future.result()

    def names(self) -> list[str]:
        """Return every declared parameter name."""
        return list(self._call('list_parameters', ListParameters.Request()).result.names)

    def describe(self, names: list[str]) -> dict[str, ParameterDescriptor]:
        """Return the descriptors of the named parameters."""
        response = self._call('describe_parameters', DescribeParameters.Request(names=names))
        return {d.name: d for d in response.descriptors}

    def get(self, names: list[str]) -> dict[str, Any]:
        """Return the current values of the named parameters."""
        response = self._call('get_parameters', GetParameters.Request(names=names))
        return {name: parameter_value_to_python(value)
                for name, value in zip(names, response.values, strict=True)}

    def set(self, name: str, value: Any) -> SetParametersResult:
        """Set one parameter; return whether it was accepted and why not."""
        request = SetParameters.Request(parameters=[Parameter(name, value=value)
                                                    .to_parameter_msg()])
        return self._call('set_parameters', request).results[0]

    def close(self) -> None:
        """Leave the ROS context."""
        self.executor.shutdown(timeout_sec=2.0)
        self.node.destroy_node()
        self.context.try_shutdown()

    def __enter__(self) -> ParameterClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
