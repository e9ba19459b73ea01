"""The API's JSON parser: DRF's, plus a body nested deeper than Python's recursion limit (a
nesting bomb such as [[[[...]]]]) is a 400 like any other malformed JSON, not a server error."""
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser as DRFJSONParser


class JSONParser(DRFJSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - the body is nested too deeply.") from None
