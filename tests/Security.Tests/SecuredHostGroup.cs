using Xunit;

namespace TaskScheduler.Security.Tests;

/// <summary>The HTTP tests share one SelfHost (each creates the keys and tasks it needs); the fuzz test has its own.</summary>
[CollectionDefinition(Name)]
public sealed class SecuredHostGroup : ICollectionFixture<SecuredHost>
{
    public const string Name = "secured host";
}
