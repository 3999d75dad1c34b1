"""Remote targets (hf://, s3://, gs://, https://): listed, then read by range, only as needed."""
