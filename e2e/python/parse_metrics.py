"""Reads an OpenMetrics exposition on stdin with prometheus_client's own (strict) parser and prints every
sample as one JSON list of {"name", "labels", "value"}; a malformed exposition fails here."""

import json
import sys

from prometheus_client.openmetrics.parser import text_string_to_metric_families

samples = [
    {"name": s.name, "labels": s.labels, "value": s.value}
    for family in text_string_to_metric_families(sys.stdin.read())
    for s in family.samples
]
json.dump(samples, sys.stdout)
