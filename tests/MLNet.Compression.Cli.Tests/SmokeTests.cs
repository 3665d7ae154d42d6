namespace MLNet.Compression.Cli.Tests;
