"""Turn what the user named (a path, an archive, hf://org/repo@rev) into readable entries."""
