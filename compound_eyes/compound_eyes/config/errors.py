"""The one error type bad configuration raises: it names the key and the file."""


class ConfigError(ValueError):
    """Configuration that cannot be used; the message names the offending key and source."""

    def __init__(self, key: str, problem: str, source: str = '') -> None:
        where = f' in {source}' if source else ''
        super().__init__(f'{key}: {problem}{where}')
        self.key = key
        self.problem = problem
        self.source = source
