"""The platform's contracts that every service shares: the data of each event type (`events`) and the
AsyncAPI document generated from it (`asyncapi`, served by the gateway at `/asyncapi.json`)."""
