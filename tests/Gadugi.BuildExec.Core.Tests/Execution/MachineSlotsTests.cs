using Gadugi.BuildExec.Core.Execution;
using Gadugi.BuildExec.Core.Execution.Admission;

namespace Gadugi.BuildExec.Core.Tests.Execution;

[TestClass]
public sealed class MachineSlotsTests
{
    [TestMethod]
    public async Task Holders_beyond_the_count_wait_until_a_slot_is_released()
    {
        var directory = Directory.CreateTempSubdirectory("gadugi-slots-").FullName;
        try
        {
            // Two instances stand for two processes sharing the directory.
            var first = new MachineSlots(directory, 2);
            var second = new MachineSlots(directory, 2);
            var a = await first.AcquireAsync(CancellationToken.None);
            var b = await second.AcquireAsync(CancellationToken.None);

            using (var givingUp = new CancellationTokenSource(TimeSpan.FromMilliseconds(300)))
            {
                await Assert.ThrowsAsync<OperationCanceledException>(() => first.AcquireAsync(givingUp.Token));
            }

            a.Dispose();
            using var c = await second.AcquireAsync(CancellationToken.None);
            b.Dispose();
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
