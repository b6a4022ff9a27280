"""The partitioned audit trail: chains per partition, heads, anchors (docs/audit.md)."""
