using Hark.Postgres.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Hark.Postgres.Tests;

/// <summary>
/// A database of its own on the test cluster (<c>HARK_TEST_POSTGRES</c>, which <c>scripts/test.sh</c> sets),
/// dropped at the end. Without the variable the tests fail: they are never skipped silently.
/// </summary>
public sealed class TestDatabase : IAsyncLifetime
{
    public const string Variable = "HARK_TEST_POSTGRES";

    public string ConnectionString { get; private set; } = "";

    private string _name = "";

    public static string Server => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } s
        ? s
        : throw new InvalidOperationException($"{Variable} is not set: run the tests with ./scripts/test.sh, which starts a throwaway PostgreSQL.");

    public async Task InitializeAsync()
    {
        _name = "hark_test_" + Guid.NewGuid().ToString("N")[..16];
        await using (var connection = new NpgsqlConnection(Server))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE {_name}", connection);
            await command.ExecuteNonQueryAsync();
        }
        ConnectionString = new NpgsqlConnectionStringBuilder(Server) { Database = _name }.ConnectionString;
    }

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(Server);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_name} WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>An engine on this database (or <paramref name="connectionString"/>), not attached to any hub.</summary>
    internal PostgresEngine NewEngine(HistoryOptions history, TimeProvider time, string? connectionString = null) =>
        new(new PostgresOptions { ConnectionString = connectionString ?? ConnectionString }, history, EngineLimits.Default, time, NullLogger<PostgresEngine>.Instance);

    /// <summary>Runs one statement on this database.</summary>
    public async Task<object?> ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }
}
