namespace MLNet.Compression.Synthetic;

/// <summary>One fact: a relation between a subject and a single-word object, and how often the corpus states it.</summary>
public sealed record WorldFact(string Relation, string Subject, string Object, int Frequency, string Uuid);
