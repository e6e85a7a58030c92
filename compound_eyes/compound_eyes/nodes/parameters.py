"""A node's ROS parameters: validated into its config, declared with descriptors from the facts.

The node reads what rcl was given (params files, -p), validates it with the config class (the
same code for every way a node is started), then declares exactly the config's parameters with
the values validated, each with its descriptor: type, description, range, read-only unless the
setting is live. Other names (another node's keys in a shared /** section) are named in a
warning and not declared, so setting them is refused like any undeclared parameter. The
standard qos_overrides./<topic>.publisher.<policy> names are left to rclpy, which declares
them when a publisher with QoSOverridingOptions is created (nodes/qos.py).
"""
from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any

from rcl_interfaces.msg import (
    FloatingPointRange,
    IntegerRange,
    ParameterDescriptor,
    SetParametersResult,
)
from rclpy.context import Context
from rclpy.logging import LoggingSeverity, set_logger_level
from rclpy.node import Node
from rclpy.parameter import Parameter

from compound_eyes.config.errors import ConfigError
from compound_eyes.config.ros_yaml import flatten, unflatten
from compound_eyes.config.schema import Settings, SettingsT
from compound_eyes.nodes.lifecycle import init_ros

# Declared by rclpy itself on every node (start_type_description_service since Jazzy).
RCLPY_OWN_PARAMETERS = frozenset({'use_sim_time', 'start_type_description_service'})
QOS_OVERRIDES = 'qos_overrides'   # rclpy declares qos_overrides.<topic>.<entity>.<policy>
PARAMS_FILE_ARG = '--params-file'


def params_files(argv: Sequence[str] | None) -> list[str]:
    """Return the parameter files a node's command line passes (for error messages)."""
    args = list(sys.argv if argv is None else argv)
    return [value for flag, value in zip(args, args[1:], strict=False) if flag == PARAMS_FILE_ARG]


def parameter_source(node: Node, files: Sequence[str]) -> str:
    """Name where a node's parameters came from, as configuration errors show it."""
    where = f' ({", ".join(files)})' if files else ''
    return f'parameters of {node.get_fully_qualified_name()}{where}'


def given_parameters(node: Node) -> dict[str, Any]:
    """Return what rcl holds for this node (params files, -p), by dotted name.

    These are the overrides rclpy itself reads when the node is created; rclpy keeps them
    private. Reading them, instead of declaring them automatically, keeps YAML's spelling
    (30 for 30.0) out of the declared types and leaves other nodes' names undeclared.
    """
    with node.handle:
        overrides = node.handle.get_parameters(Parameter)
    return {name: param.value for name, param in overrides.items()
            if name not in RCLPY_OWN_PARAMETERS and name.split('.')[0] != QOS_OVERRIDES}


def declare_settings(node: Node, config_type: type[SettingsT], source: str) -> SettingsT:
    """Validate the node's parameters into config_type and declare each one; ConfigError if bad.

    A deprecated setting that was given is named in one warning with its replacement.
    """
    given = given_parameters(node)
    config, foreign = config_type.parse(unflatten(given, source), source)
    unknown = sorted(name for name in given if name.split('.')[0] in foreign)
    if unknown:
        node.get_logger().warning(f'not parameters of {node.get_name()}, ignored: '
                                  f'{", ".join(unknown)}')
    for name in sorted(given):
        facts = config_type.facts(name)
        if facts is not None and facts.replaced_by:
            node.get_logger().warning(f'{name} is deprecated: use {facts.replaced_by}')
    for name, value in flatten(config.to_parameters()).items():
        node.declare_parameter(name, value, descriptor(config_type, name, value),
                               ignore_override=True)
    return config


def descriptor(config_type: type[Settings], name: str, value: Any) -> ParameterDescriptor:
    """Build the ROS descriptor of one parameter from its facts."""
    facts = config_type.facts(name)
    if facts is None:
        raise LookupError(f'{config_type.__name__} has no parameter {name}')
    described = ParameterDescriptor(description=facts.description,
                                    additional_constraints=facts.constraints(),
                                    read_only=not facts.live)
    lowest = 0 if facts.minimum is None and facts.positive else facts.minimum
    if lowest is not None and facts.maximum is not None:   # ROS ranges need both ends
        if isinstance(value, float):
            described.floating_point_range = [FloatingPointRange(
                from_value=float(lowest), to_value=float(facts.maximum))]
        elif isinstance(value, int) and not isinstance(value, bool):
            described.integer_range = [IntegerRange(
                from_value=int(lowest), to_value=int(facts.maximum), step=1)]
    return described


def follow_live_settings(node: Node, current: Callable[[], SettingsT],
                         apply: Callable[[SettingsT], None], source: str,
                         vet: Callable[[SettingsT], object] | None = None) -> None:
    """Validate every parameter change like the start-up values and hand on the new config.

    Read-only and undeclared parameters are refused by rclpy before this runs; a live one is
    accepted only if the whole configuration stays valid (and vet, checks beyond the config's
    own such as the camera sources' options, raises no ConfigError), else the reason names
    the key. The standard qos_overrides names are rclpy's, read-only, and not ours to check.
    """
    def candidate(changed: list[Parameter]) -> SettingsT:
        config = current()
        flat = flatten(config.to_parameters())
        flat.update({param.name: param.value for param in changed
                     if param.name.split('.')[0] != QOS_OVERRIDES})
        return type(config).from_parameters(unflatten(flat, source), source)

    def check(changed: list[Parameter]) -> SetParametersResult:
        try:
            config = candidate(changed)
            if vet is not None:
                vet(config)
        except ConfigError as error:
            return SetParametersResult(successful=False, reason=str(error))
        return SetParametersResult(successful=True)

    node.add_on_set_parameters_callback(check)
    node.add_post_set_parameters_callback(lambda changed: apply(candidate(changed)))


def ros_arguments_error(args: list[str]) -> str:
    """Return rcl's complaint about a command line (a params file or remap it cannot parse), or ''.

    rcl parses the files once, when rclpy is initialized; doing that now in a scratch context lets a
    broken file fail in one line before anything starts (rcl's own log line is silenced).
    """
    context = Context()
    set_logger_level('rcl', LoggingSeverity.FATAL)
    try:
        init_ros(args, context)
    except RuntimeError as error:       # rclpy's RCLError
        message = str(error).splitlines()[0]
        return message.split(', at /')[0].removeprefix('failed to initialize rcl: ')
    finally:
        context.try_shutdown()
        set_logger_level('rcl', LoggingSeverity.UNSET)
    return ''
