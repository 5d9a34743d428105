using Gadugi.BuildExec.Core.Engine;

namespace Gadugi.BuildExec.Core.Tests.Engine;

[TestClass]
public sealed class StaleContainerReaperTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(2_000_000);

    [TestMethod]
    public void A_live_owner_in_our_namespace_keeps_its_container()
    {
        var me = OwnerIdentity.Current;
        var labels = new Dictionary<string, string> { [ContainerLabels.Owner] = me.ToString(), [ContainerLabels.Deadline] = "2000100" };

        Assert.IsFalse(StaleContainerReaper.IsStale(labels, me, Now));
    }

    [TestMethod]
    public void A_dead_owner_in_our_namespace_loses_its_container()
    {
        var me = OwnerIdentity.Current;
        var dead = me with { StartTicks = me.StartTicks + 1 };
        var labels = new Dictionary<string, string> { [ContainerLabels.Owner] = dead.ToString(), [ContainerLabels.Deadline] = "2000100" };

        Assert.IsTrue(StaleContainerReaper.IsStale(labels, me, Now));
    }

    [TestMethod]
    public void An_owner_elsewhere_is_judged_only_by_the_deadline()
    {
        var me = OwnerIdentity.Current;
        var elsewhere = me with { PidNamespace = "pid:[1]", StartTicks = 1 };
        var fresh = new Dictionary<string, string> { [ContainerLabels.Owner] = elsewhere.ToString(), [ContainerLabels.Deadline] = "2000100" };
        var expired = new Dictionary<string, string> { [ContainerLabels.Owner] = elsewhere.ToString(), [ContainerLabels.Deadline] = "1999000" };

        Assert.IsFalse(StaleContainerReaper.IsStale(fresh, me, Now));
        Assert.IsTrue(StaleContainerReaper.IsStale(expired, me, Now));
    }

    [TestMethod]
    public void Owner_identity_round_trips() =>
        Assert.AreEqual(OwnerIdentity.Current, OwnerIdentity.Parse(OwnerIdentity.Current.ToString()));
}
