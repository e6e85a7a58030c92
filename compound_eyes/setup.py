"""Install the compound_eyes ament_python package (nodes, CLI, launch and config files)."""
from glob import glob

from setuptools import find_packages, setup

PACKAGE = 'compound_eyes'

setup(
    name=PACKAGE,
    version='0.1.0',
    packages=find_packages(exclude=['test', 'test.*']),
    data_files=[
        ('share/ament_index/resource_index/packages', [f'resource/{PACKAGE}']),
        (f'share/{PACKAGE}', ['package.xml']),
        (f'share/{PACKAGE}/launch', glob('launch/*.launch.py')),
        (f'share/{PACKAGE}/config', glob('config/*.yaml') + glob('config/*.xml')),
    ],
    install_requires=['setuptools'],
    zip_safe=True,
    maintainer='compound_eyes maintainers',
    maintainer_email='maintainers@compound-eyes.dev',
    description='Software-synchronized capture from many USB cameras on many computers.',
    license='Apache-2.0',
    entry_points={
        'console_scripts': [
            'compound-eyes = compound_eyes.cli.main:main',
            'client = compound_eyes.nodes.client_node:main',
            'server = compound_eyes.nodes.server_node:main',
            'recorder = compound_eyes.nodes.recorder_node:main',
        ],
        'compound_eyes.verbs': [
            'client = compound_eyes.cli.client',
            'server = compound_eyes.cli.server',
            'record = compound_eyes.cli.record',
            'export = compound_eyes.cli.export',
            'report = compound_eyes.cli.report',
            'proto = compound_eyes.cli.proto',
            'keygen = compound_eyes.cli.keygen',
            'discovery-server = compound_eyes.cli.discovery_server',
        ],
    },
)
