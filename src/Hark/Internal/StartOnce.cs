namespace Hark.Internal;

/// <summary>
/// An engine's start on an out-of-process store: run once and shared by every caller; after a failure (the store
/// was down) the next caller runs it again. Every operation awaits it, so an engine also starts on first use.
/// </summary>
internal sealed class StartOnce(Func<Task> start)
{
    private readonly Lock _gate = new();
    private Task? _task;

    public Task WaitAsync(CancellationToken cancellationToken)
    {
        var task = Volatile.Read(ref _task);
        if (task is { IsCompletedSuccessfully: true })
        {
            return task;
        }
        lock (_gate)
        {
            if (_task is null || _task.IsFaulted || _task.IsCanceled)
            {
                _task = start();
            }
            return _task.WaitAsync(cancellationToken);
        }
    }
}
