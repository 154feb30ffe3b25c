using System.Reflection;

namespace TaskScheduler.Functions.Http;

/// <summary>An HTTP function as declared by its attributes, with the scope it requires.</summary>
public sealed record HttpFunction(string Name, string[] Methods, string Route, MethodInfo Method, string Scope)
{
    /// <summary>How the Functions host names the method (<c>FunctionDefinition.EntryPoint</c>, <c>entryPoint</c> in functions.metadata).</summary>
    public string EntryPoint => $"{Method.DeclaringType!.FullName}.{Method.Name}";
}
