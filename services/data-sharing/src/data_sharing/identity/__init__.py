"""Real-name verification (实名核验) for the gateway: does a name and number match the registry."""
