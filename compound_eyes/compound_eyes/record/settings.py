"""The recorder's settings, as the command line gives them.

A light module: the CLI parser imports it on every ``compound-eyes`` call.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from compound_eyes.record.topic_selection import TopicSelection

# best_available first: the default, which takes each topic as its publishers offer it.
RELIABILITY_CHOICES = ('best_available', 'reliable', 'best_effort')
# rosbag2 metadata versions that rosbags' Writer writes, the default first. Version 9 stores
# offered_qos_profiles as a YAML list, which rosbag2 reads from Jazzy on; Humble and Iron
# parse that field as a string and fail ("bad conversion"), but read version 8.
BAG_VERSIONS = (9, 8)


@dataclass(frozen=True)
class RecorderSettings:
    """What to record, where, for how long, and the subscriptions' QoS."""

    output: Path
    selection: TopicSelection
    max_bag_size: int = 0
    max_bag_duration_s: float = 0
    duration_s: float = 0                 # 0: until SIGINT/SIGTERM
    reliability: str = RELIABILITY_CHOICES[0]
    depth: int = 50
    discovery_period_s: float = 0.5
    bag_version: int = BAG_VERSIONS[0]
