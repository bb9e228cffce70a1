namespace Hark.Postgres.Internal;

internal sealed partial class PostgresEngine
{
    /// <summary>Deletes rows that fell out of their channel's window. Reads never see them anyway; this only frees space.</summary>
    private async Task TrimAsync()
    {
        try
        {
            await using var command = _dataSource.CreateCommand(Sql.Trim);
            AddWindow(command);
            var deleted = await command.ExecuteNonQueryAsync(_stopping.Token);
            if (deleted > 0)
            {
                Log.Trimmed(_logger, deleted);
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
        catch (Exception e) when (DatabaseErrors.IsUnavailable(e) || e is ObjectDisposedException)
        {
            Log.TrimFailed(_logger, e);
        }
        finally
        {
            Volatile.Write(ref _trimming, 0);
        }
    }
}
