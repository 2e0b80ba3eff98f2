"""Development infrastructure that is not part of the product (the local Elasticsearch node)."""
