"""The live collector: read-only boto3 collection of one account or an AWS Organization into a bundle.

Why a separate package: `collect` is the only part of agentpath that needs AWS credentials. It writes a
bundle file (design/BUNDLE_FORMAT.md) so that analysis can run later, elsewhere, with no credentials at all.

Entry points: `ingest.collect.cli` (the `agentpath collect` verb), `ingest.collect.collector.collect`
(library use), `ingest.collect.normalize.normalize_gaad` (shared with the offline ingester).
"""

from ingest.collect.normalize import GaadFormatError, merge_gaad_pages, normalize_gaad

__all__ = ["GaadFormatError", "merge_gaad_pages", "normalize_gaad"]
