"""Install the compound_eyes_rig ament_python package: the demo and benchmark verbs."""
from setuptools import find_packages, setup

PACKAGE = 'compound_eyes_rig'

setup(
    name=PACKAGE,
    version='0.1.0',
    packages=find_packages(exclude=['test', 'test.*']),
    data_files=[
        ('share/ament_index/resource_index/packages', [f'resource/{PACKAGE}']),
        (f'share/{PACKAGE}', ['package.xml']),
    ],
    install_requires=['setuptools'],
    zip_safe=True,
    maintainer='compound_eyes maintainers',
    maintainer_email='maintainers@compound-eyes.dev',
    description='Proving ground of compound_eyes: demo, benchmarks, ground truth.',
    license='Apache-2.0',
    entry_points={
        'compound_eyes.verbs': [
            'demo = compound_eyes_rig.verbs.demo',
            'bench = compound_eyes_rig.verbs.bench',
        ],
    },
)
