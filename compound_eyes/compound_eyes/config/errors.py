"""The one error type bad configuration raises: it names the key and the file."""


SHOWN_CHARS = 240   # a value quoted in an error is cut here: the message stays one short line


def shortened(text: str) -> str:
    """Return text cut to SHOWN_CHARS, saying how long it was; line breaks escaped."""
    text = text.replace('\n', '\\n').replace('\r', '\\r')
    if len(text) <= SHOWN_CHARS:
        return text
    return f'{text[:SHOWN_CHARS]}... ({len(text)} characters)'


class ConfigError(ValueError):
    """Configuration that cannot be used; the message names the offending key and source."""

    def __init__(self, key: str, problem: str, source: str = '') -> None:
        where = f' in {source}' if source else ''
        super().__init__(f'{shortened(key)}: {shortened(problem)}{where}')
        self.key = key
        self.problem = problem
        self.source = source
