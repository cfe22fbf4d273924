"""Item handlers of the market-regulation bureau (市场监督管理局)."""
