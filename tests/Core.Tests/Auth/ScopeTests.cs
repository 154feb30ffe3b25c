using TaskScheduler.Core.Auth;
using Xunit;

namespace TaskScheduler.Core.Tests.Auth;

public class ScopeTests
{
    [Fact]
    public void Admin_implies_every_scope_and_others_only_themselves()
    {
        var admin = new HashSet<string> { Scopes.Admin };
        var reader = new HashSet<string> { Scopes.TasksRead };
        foreach (var scope in Scopes.All)
        {
            Assert.True(Scopes.Allows(admin, scope));
        }

        Assert.True(Scopes.Allows(reader, Scopes.TasksRead));
        Assert.False(Scopes.Allows(reader, Scopes.TasksWrite));
        Assert.False(Scopes.Allows(reader, Scopes.Workers));
        Assert.False(Scopes.Allows(reader, Scopes.Admin));
        Assert.False(Scopes.Allows(new HashSet<string>(), Scopes.TasksRead));
    }

    [Fact]
    public void A_method_without_a_declared_scope_is_refused()
    {
        var error = Assert.Throws<InvalidOperationException>(() => ScopePolicy.RequiredScopeOf(typeof(Handlers).GetMethod(nameof(Handlers.Unscoped))!));
        Assert.Contains("Unscoped", error.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => ScopePolicy.RequiredScopeOf(typeof(Handlers).GetMethod(nameof(Handlers.UnknownScope))!));
        Assert.Equal(Scopes.TasksWrite, ScopePolicy.RequiredScopeOf(typeof(Handlers).GetMethod(nameof(Handlers.Scoped))!));
    }

    private static class Handlers
    {
        public static void Unscoped()
        {
        }

        [RequiresScope("tasks:everything")]
        public static void UnknownScope()
        {
        }

        [RequiresScope(Scopes.TasksWrite)]
        public static void Scoped()
        {
        }
    }
}
