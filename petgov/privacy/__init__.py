"""Privacy engines for the clean room's programming stage: schema-random tables, DP synthesis,
and the disclosure checks an execution-stage output is reviewed with."""
