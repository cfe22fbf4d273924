"""Legal persons: opened by their legal representative, who authorises agents (经办人)."""
