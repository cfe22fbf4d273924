"""Review chains per item (承办 → 审核 → 批准), configured by the department admin."""
