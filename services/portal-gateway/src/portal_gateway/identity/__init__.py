"""Identity assurance: real-name verification, one-time phone codes, levels (docs/identity.md)."""
